import { describe, expect, it } from 'vitest';
import { compareReviews, FLAGS, reviewAccess } from '../../../shared/domain/access-review.js';
import { computePlan } from '../../../shared/domain/compute-plan.js';
import { member, rg, world } from '../../helpers/builders.js';

/** The access review's rows and flags from plan inputs, table-driven; and what compareReviews says. */

const inputs = world({
  okta: [
    { username: 'alice', groups: ['hf-admin'] },
    { username: 'bob', groups: ['hf-write', 'hf-llm-write'] },
    { username: 'carol', groups: ['hf-read'], status: 'SUSPENDED' },
  ],
  hub: [
    member('alice', 'admin'),
    member('bob', 'read', [rg('llm', 'write')]),
    member('carol', 'read'),
    member('ci-bot', 'write'),
    member('stranger', 'read'),
  ],
  managed: ['carol'],
  policy: { protectedUsers: ['alice'] },
});
const review = reviewAccess(
  inputs,
  computePlan(inputs),
  new Map([['bob', { at: '2026-11-01T00:00:00Z', action: 'set-role', actor: 'cli:alice', runId: 'r-1' }]]),
  '2026-11-29T00:00:00Z',
  ['ci-bot'],
);
const row = (user: string) => review.rows.find((r) => r.user === user)!;

describe('reviewAccess', () => {
  it.each([
    ['alice', 'admin', [FLAGS.protected]],
    ['bob', 'read', [FLAGS.pending]],
    ['carol', 'read', [FLAGS.pending]],
    ['ci-bot', 'write', [FLAGS.unmanaged, FLAGS.serviceAccount]],
    ['stranger', 'read', [FLAGS.unmanaged]],
  ])('%s: role %s, flags %j', (user, role, flags) => {
    expect(row(user).role).toBe(role);
    expect(row(user).flags).toEqual(flags);
  });

  it('says which rules grant the access, and nothing for someone Okta no longer entitles', () => {
    expect(row('alice').grantedBy.join(' ')).toContain('hf-admin');
    expect(row('bob').grantedBy.join(' ')).toMatch(/hf-write[\s\S]*hf-llm-write|hf-llm-write[\s\S]*hf-write/);
    expect(row('carol').grantedBy).toEqual([]);
    expect(row('bob')).toMatchObject({ since: '2026-11-01T00:00:00Z', lastChange: { actor: 'cli:alice' } });
    expect(review.summary).toMatchObject({ members: 5, byRole: { admin: 1, read: 3, write: 1 }, byResourceGroup: { llm: 1 } });
  });

  it('compareReviews: who came, who left, and what changed', () => {
    const next = {
      ...review,
      rows: [
        ...review.rows.filter((r) => r.user !== 'stranger').map((r) => (r.user === 'bob' ? { ...r, role: 'write' } : r)),
        { ...row('alice'), user: 'dave', flags: [] },
      ],
    };
    expect(compareReviews(review, next)).toEqual([
      '~ bob: role read → write',
      '+ dave: new member, admin (resource groups: none)',
      '- stranger: no longer a member (was read)',
    ]);
  });
});
