import { describe, expect, it } from 'vitest';
import type { Change } from '../../../shared/domain/plan.js';
import type { HubMember } from '../../../shared/domain/types.js';
import { stillValid } from '../../../shared/domain/still-valid.js';

const member = (role: HubMember['role'], resourceGroups: HubMember['resourceGroups'] = []): HubMember => ({
  user: 'grace-h',
  fullname: 'Grace',
  role,
  resourceGroups,
});
const change = (over: Partial<Change>): Change =>
  ({
    id: 'c1',
    action: 'set-role',
    user: 'grace-h',
    oktaUserId: '00u1',
    effect: 'upgrade',
    before: { role: 'read', resourceGroups: [] },
    after: { role: 'write', resourceGroups: [] },
    reasons: [],
    ...over,
  }) as Change;

describe('stillValid', () => {
  it('a member as the plan saw them is unchanged', () => {
    expect(stillValid(change({}), member('read'))).toEqual({ kind: 'unchanged' });
  });

  it('a member already showing the planned access is already done, whoever did it', () => {
    expect(stillValid(change({}), member('write')).kind).toBe('already');
  });

  it('a member changed otherwise has moved, and the reason says from what to what', () => {
    expect(stillValid(change({}), member('admin', [{ id: 'rg', name: 'llm', role: 'read' }]))).toEqual({
      kind: 'moved',
      reason: 'grace-h changed since the plan was made: planned from read, the Hub now shows admin with llm:read',
    });
    expect(stillValid(change({}), null).kind).toBe('moved');
  });

  it('a removal of someone no longer a member is already done; of someone changed, moved', () => {
    const remove = change({ action: 'remove', effect: 'revoke', after: { role: 'no_access', resourceGroups: [] } });
    expect(stillValid(remove, null).kind).toBe('already');
    expect(stillValid(remove, member('write')).kind).toBe('moved');
    expect(stillValid(remove, member('read')).kind).toBe('unchanged');
  });

  it('an invitation to someone who is a member now is already done', () => {
    const invite = change({ action: 'scim-invite', effect: 'grant', before: null });
    expect(stillValid(invite, member('read')).kind).toBe('already');
    expect(stillValid(invite, null).kind).toBe('unchanged');
  });

  it('a SCIM deactivation is unchanged while the member is as planned, already once they are gone, moved otherwise', () => {
    const deactivate = change({ action: 'scim-deactivate', effect: 'revoke', after: null });
    expect(stillValid(deactivate, member('read')).kind).toBe('unchanged');
    expect(stillValid(deactivate, null).kind).toBe('already');
    expect(stillValid(deactivate, member('admin')).kind).toBe('moved');
  });

  it('changes that are not a member’s access are always unchanged', () => {
    expect(stillValid(change({ action: 'revoke-token', effect: 'revoke' }), null).kind).toBe('unchanged');
    expect(stillValid(change({ action: 'suspend-credential', effect: 'revoke' }), member('admin')).kind).toBe('unchanged');
  });
});
