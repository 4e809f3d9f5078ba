import { describe, expect, it } from 'vitest';
import type { Change, Plan } from '../../shared/domain/plan.js';
import type { HubMember } from '../../shared/domain/types.js';
import { jobOutcome, recheckAgainst, storePlan } from '../../shared/reconcile/job.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import type { StoredPlan } from '../../shared/ports/stored-plans.js';

/** The stale-plan check: a stored change against the batch's own read of the member. */

const member = (user: string, role: HubMember['role'], rgs: HubMember['resourceGroups'] = []): HubMember => ({
  user,
  fullname: user,
  role,
  resourceGroups: rgs,
});
const change = (over: Partial<Change>): Change =>
  ({
    id: 'c1',
    action: 'set-role',
    user: 'Grace-H',
    oktaUserId: '00u1',
    oktaLogin: 'grace@acme.example',
    effect: 'upgrade',
    before: { role: 'read', resourceGroups: [] },
    after: { role: 'write', resourceGroups: [] },
    reasons: ['in hf-acme-write'],
    ...over,
  }) as Change;
const read = (...members: HubMember[]) => new Map(members.map((m) => [m.user.toLowerCase(), m]));

describe('recheckAgainst', () => {
  it('writes a change whose member is as the plan saw them (usernames compare case-insensitively)', () => {
    expect(recheckAgainst(read(member('grace-h', 'read')), change({}))).toBeNull();
  });

  it('records as applied, without a write, a change the Hub already shows', () => {
    expect(recheckAgainst(read(member('grace-h', 'write')), change({}))).toMatchObject({ outcome: 'applied' });
    expect(
      recheckAgainst(read(), change({ action: 'remove', effect: 'revoke', after: { role: 'no_access', resourceGroups: [] } })),
    ).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('no longer a member') });
  });

  it('supersedes a change whose member moved since the plan, saying from what to what', () => {
    const moved = recheckAgainst(read(member('grace-h', 'contributor', [{ id: 'rg1', name: 'llm', role: 'read' }])), change({}));
    expect(moved).toEqual({
      outcome: 'superseded',
      reason:
        'Grace-H changed since the plan was made: planned from read, the Hub now shows contributor with llm:read; not overwritten with the old decision',
    });
    expect(recheckAgainst(read(), change({}))).toMatchObject({
      outcome: 'superseded',
      reason: expect.stringContaining('the Hub now shows not a member'),
    });
  });

  it('an invitation is done once the person is a member; other actions are not compared', () => {
    expect(recheckAgainst(read(member('grace-h', 'read')), change({ action: 'scim-invite', before: null }))).toMatchObject({
      outcome: 'applied',
    });
    expect(recheckAgainst(read(), change({ action: 'scim-invite', before: null }))).toBeNull();
    expect(recheckAgainst(read(), change({ action: 'revoke-token', effect: 'revoke' }))).toBeNull();
  });
});

describe('jobOutcome', () => {
  const stored = (over: Partial<StoredPlan>): StoredPlan => ({
    runId: 'r',
    organization: 'acme',
    owner: 'r',
    total: 10,
    chunkStarts: [0],
    cursor: 10,
    counts: { applied: 10, failed: 0, held: 0, superseded: 0 },
    batches: 1,
    readAtMs: 0,
    summary: {} as StoredPlan['summary'],
    blocked: 0,
    status: 'applying',
    updatedAt: '',
    ...over,
  });
  it('is stopped before the last change, partial or failed with failures, blocked with guards, else succeeded', () => {
    expect(jobOutcome(stored({ cursor: 9 }))).toBe('stopped');
    expect(jobOutcome(stored({ counts: { applied: 9, failed: 1, held: 0, superseded: 0 } }))).toBe('partial');
    expect(jobOutcome(stored({ counts: { applied: 0, failed: 0, held: 10, superseded: 0 } }))).toBe('failed');
    expect(jobOutcome(stored({ blocked: 1 }))).toBe('blocked');
    expect(jobOutcome(stored({ counts: { applied: 8, failed: 0, held: 0, superseded: 2 } }))).toBe('succeeded');
    expect(jobOutcome(stored({ total: 0, cursor: 0, counts: { applied: 0, failed: 0, held: 0, superseded: 0 } }))).toBe('no-changes');
  });
});

describe('storePlan', () => {
  const stored = async (changes: Change[]) => {
    let saved: { plan: StoredPlan; chunks: readonly Change[][] } | undefined;
    const state = {
      putStoredPlan: async (plan: StoredPlan, chunks: readonly Change[][]) => {
        saved = { plan, chunks };
      },
    } as unknown as StateStore;
    await storePlan(state, () => new Date(0), { organization: 'acme', changes, blocked: [], summary: {} } as unknown as Plan, {
      runId: 'r',
      owner: 'r',
      readAtMs: 0,
    });
    return saved!;
  };

  it('cuts chunks at 200 changes, and says where each starts', async () => {
    const { plan, chunks } = await stored(Array.from({ length: 450 }, (_, i) => change({ id: `c${i}`, user: `u${i}` })));
    expect(chunks.map((c) => c.length)).toEqual([200, 200, 50]);
    expect(plan.chunkStarts).toEqual([0, 200, 400]);
  });

  it('cuts them before 300 KB too (DynamoDB refuses an item over 400 KB): a member in many resource groups is a big change', async () => {
    const big = (i: number) => change({ id: `c${i}`, user: `u${i}`, reasons: ['x'.repeat(120_000)] });
    const { plan, chunks } = await stored([big(0), big(1), big(2), change({ id: 'small', user: 's' }), big(3)]);
    expect(chunks.map((c) => c.map((x) => x.id))).toEqual([
      ['c0', 'c1'],
      ['c2', 'small', 'c3'],
    ]);
    expect(plan.chunkStarts).toEqual([0, 2]);
    for (const c of chunks) expect(Buffer.byteLength(JSON.stringify(c))).toBeLessThan(300_000);
  });
});
