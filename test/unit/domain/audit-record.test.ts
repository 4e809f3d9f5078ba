import { describe, expect, it } from 'vitest';
import { correlate, recordOfChange, recordOfHubEvent, type AuditedChange } from '../../../shared/domain/audit-record.js';
import type { HubAuditEvent } from '../../../shared/domain/out-of-band.js';

const change = (over: Partial<AuditedChange> = {}): AuditedChange => ({
  runId: 'r-1',
  seq: 3,
  organization: 'acme',
  user: 'grace-h',
  oktaUserId: '00u1',
  action: 'set-role',
  before: { role: 'read', resourceGroups: [] },
  after: { role: 'write', resourceGroups: [] },
  outcome: 'applied',
  trigger: 'event',
  actor: 'eventbridge:okta-admin',
  reasons: ['org role write via hf-acme-write'],
  at: '2026-12-06T10:00:01.000Z',
  ...over,
});
const event = (over: Partial<HubAuditEvent> = {}): HubAuditEvent => ({
  id: 'e1',
  at: '2026-12-06T10:00:00.500Z',
  type: 'org.change_role',
  author: 'root-admin',
  message: 'Changed role',
  data: { user: 'grace-h', oldRole: 'read', role: 'write' },
  tokenLast4: 'ABCD',
  ...over,
});
const ours = { user: 'root-admin', tokenLast4: 'ABCD' };

describe('correlate', () => {
  it.each([
    [
      'our token, our change on that member and role',
      event(),
      [change()],
      { madeBy: 'hf-iam-sync', runId: 'r-1', changeSeq: 3, trigger: 'event' },
    ],
    ['no token named, our change explains it', event({ tokenLast4: null }), [change()], { madeBy: 'hf-iam-sync', runId: 'r-1' }],
    ['another person', event({ author: 'ada-acme' }), [change()], { madeBy: 'out-of-band', author: 'ada-acme' }],
    ['our user with another token of theirs', event({ tokenLast4: 'ZZZZ' }), [change()], { madeBy: 'out-of-band' }],
    ['our token, but no change of ours explains it', event(), [change({ user: 'mhamilton' })], { madeBy: 'hf-iam-sync-token' }],
    [
      'our user on the website (no token), nothing of ours',
      event({ tokenLast4: null }),
      [],
      { madeBy: 'out-of-band', author: 'root-admin' },
    ],
    [
      'our change, but to another role',
      event(),
      [change({ after: { role: 'admin', resourceGroups: [] } })],
      { madeBy: 'hf-iam-sync-token' },
    ],
    ['our change, three minutes away', event(), [change({ at: '2026-12-06T10:03:01.000Z' })], { madeBy: 'hf-iam-sync-token' }],
    [
      'a removal is a change to no_access',
      event({ data: { user: 'grace-h', oldRole: 'write', role: 'no_access' } }),
      [change({ action: 'remove', after: null })],
      { madeBy: 'hf-iam-sync' },
    ],
  ])('%s', (_what, e, changes, expected) => {
    expect(correlate(e, ours, changes)).toMatchObject(expected);
  });

  it('picks the nearest of several changes of ours', () => {
    const answer = correlate(event(), ours, [
      change({ runId: 'r-far', at: '2026-12-06T10:01:30.000Z' }),
      change({ runId: 'r-near', at: '2026-12-06T10:00:00.900Z' }),
    ]);
    expect(answer).toMatchObject({ runId: 'r-near' });
  });
});

describe('records', () => {
  it('give our changes and Hub events one shape with stable ids, the Hub event whole under hub', () => {
    expect(recordOfChange(change())).toEqual({
      schema: 'hf-iam-sync.audit-record/1',
      id: 'hf-iam-sync:r-1/3',
      time: '2026-12-06T10:00:01.000Z',
      source: 'hf-iam-sync',
      organization: 'acme',
      action: 'set-role',
      actor: 'event:eventbridge:okta-admin',
      targetUser: 'grace-h',
      before: { role: 'read', resourceGroups: [] },
      after: { role: 'write', resourceGroups: [] },
      outcome: 'applied',
      ids: { runId: 'r-1', changeSeq: 3, oktaUserId: '00u1' },
      reason: 'org role write via hf-acme-write',
    });
    const raw = { _id: 'e1', type: 'org.change_role', extra: 'kept' };
    const record = recordOfHubEvent('acme', event({ raw }), correlate(event(), ours, [change()]));
    expect(record).toMatchObject({
      id: 'hub:e1',
      source: 'hub',
      action: 'org.change_role',
      actor: 'root-admin',
      targetUser: 'grace-h',
      before: { role: 'read' },
      after: { role: 'write' },
      outcome: null,
      ids: { hubEventId: 'e1', runId: 'r-1', changeSeq: 3 },
      correlation: { madeBy: 'hf-iam-sync', cause: 'event:eventbridge:okta-admin: org role write via hf-acme-write' },
      hub: raw,
    });
  });
});
