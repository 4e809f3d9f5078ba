import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../shared/domain/compute-plan.js';
import { applyPlan, type ApplyContext } from '../../../shared/reconcile/apply-plan.js';
import type { StateStore } from '../../../shared/ports/state-store.js';
import { LeaseLostError, SupersededError } from '../../../shared/runtime/errors.js';
import { withDeadline } from '../../../shared/runtime/deadline.js';
import { member, world } from '../../helpers/builders.js';
import { InMemoryHubOrg } from '../../fakes/in-memory-hub-org.js';
import { inMemoryStateStore } from '../../fakes/in-memory-state.js';

/**
 * ada becomes admin, bob (admin) is demoted to write, carol left (write), dan (admin) left:
 * four changes, one per phase.
 */
function fourPhases() {
  const inputs = world({
    okta: [
      { username: 'ada', groups: ['hf-admin'] },
      { username: 'bob', groups: ['hf-write'] },
      { username: 'carol', groups: ['hf-write'], status: 'DEPROVISIONED' },
      { username: 'dan', groups: ['hf-admin'], status: 'DEPROVISIONED' },
      { username: 'eve', groups: ['hf-admin'] },
    ],
    hub: [member('ada', 'read'), member('bob', 'admin'), member('carol', 'write'), member('dan', 'admin'), member('eve', 'admin')],
  });
  const hub = new InMemoryHubOrg();
  for (const m of inputs.hub.members) hub.member(m.user, m.role, m.resourceGroups);
  const plan = computePlan(inputs);
  const state = inMemoryStateStore();
  const context: ApplyContext = { runId: 'run-1', trigger: 'cli', actor: 'ops', clock: () => new Date('2026-12-07T09:00:00Z') };
  return { plan, hub, state, context };
}

describe('applyPlan', () => {
  it('applies leavers first, then grants, then demotions, then admins’ removals', async () => {
    const { plan, hub, state, context } = fourPhases();
    const result = await applyPlan(plan, hub, state, context);
    expect(result.failed).toEqual([]);
    expect(hub.writes).toEqual(['set carol no_access', 'set ada admin', 'set bob write', 'set dan no_access']);
    const records = await state.listRunChanges('run-1', 1, 10);
    expect(records.every((r) => r.outcome === 'applied')).toBe(true);
    expect((await state.getManaged('acme', 'bob'))?.role).toBe('write');
  });

  it('does not attempt a change whose first audit record cannot be written, and goes on with the rest', async () => {
    const { plan, hub, state, context } = fourPhases();
    const failing: StateStore = {
      ...state,
      putChange: async (change, also) => {
        if (change.user === 'ada' && change.outcome === 'started') throw new Error('table throttled');
        return state.putChange(change, also);
      },
    };
    const result = await applyPlan(plan, hub, failing, context);
    expect(result.failed.map((f) => [f.user, f.error])).toEqual([
      ['ada', 'not attempted: the audit record could not be written (table throttled)'],
    ]);
    expect(hub.writes).not.toContain('set ada admin');
    expect(result.applied.map((a) => a.user).sort()).toEqual(['bob', 'carol', 'dan']);
  });

  it('stops at a lost lease: that change and every later one are failed, not attempted', async () => {
    const { plan, hub, state, context } = fourPhases();
    let writes = 0;
    const result = await applyPlan(plan, hub, state, {
      ...context,
      concurrency: 1,
      beforeWrite: async () => {
        if (++writes > 1) throw new LeaseLostError('reconcile lease for "acme"');
      },
    });
    expect(hub.writes).toEqual(['set carol no_access']);
    expect(result.failed.map((f) => f.user)).toEqual(['ada', 'bob', 'dan']);
    expect(result.failed.every((f) => f.error?.startsWith('not attempted'))).toBe(true);
  });

  it('holds a loss a read of the person alone does not confirm, and records why', async () => {
    const { plan, hub, state, context } = fourPhases();
    const result = await applyPlan(plan, hub, state, {
      ...context,
      confirmLoss: async (change) => (change.user === 'carol' ? 'a read of carol alone says no change' : null),
    });
    expect(result.held.map((h) => h.user)).toEqual(['carol']);
    expect(hub.members.get('carol')?.role).toBe('write');
    expect((await state.listRunChanges('run-1', 1, 10)).find((r) => r.user === 'carol')).toMatchObject({
      outcome: 'held',
      error: 'a read of carol alone says no change',
    });
  });

  it('records a change superseded by a later decision about its member, and does not write it', async () => {
    const { plan, hub, state, context } = fourPhases();
    const result = await applyPlan(plan, hub, state, {
      ...context,
      hold: async (change) => {
        if (change.user === 'bob') throw new SupersededError('bob', 'run-2', Date.parse('2026-12-07T09:00:01Z'));
        return { release: async () => undefined };
      },
    });
    expect(result.superseded.map((s) => s.user)).toEqual(['bob']);
    expect(result.applied.map((a) => a.user).sort()).toEqual(['ada', 'carol', 'dan']);
    expect(hub.members.get('bob')?.role).toBe('admin');
  });

  it('a Hub failure is recorded failed with its error; the record written before the call stays as the trace', async () => {
    const { plan, hub, state, context } = fourPhases();
    hub.failNext('setAccess', new Error('Hub answered 500'));
    const result = await applyPlan(plan, hub, state, { ...context, concurrency: 1 });
    expect(result.failed).toEqual([expect.objectContaining({ user: 'carol', error: 'Hub answered 500' })]);
    expect((await state.getChange('run-1', plan.changes.indexOf(plan.changes.find((c) => c.user === 'carol')!) + 1))?.outcome).toBe(
      'failed',
    );
  });

  it('a call the run’s deadline cut is not settled: its record stays started, for the next batch to check', async () => {
    const { plan, hub, state, context } = fourPhases();
    hub.beforeNext('setAccess', () => {
      const until = Date.now() + 30;
      while (Date.now() < until); // the call outlives the run's deadline
    });
    hub.failNext('setAccess', new Error('huggingface: set role of carol failed: the request was aborted'));
    const result = await withDeadline(Date.now() + 20, () => applyPlan(plan, hub, state, { ...context, concurrency: 1 }));
    expect(result.failed[0]).toMatchObject({
      user: 'carol',
      error: expect.stringMatching(/^not settled: the run's deadline came before or during the call \(huggingface: /),
    });
    const carol = (await state.listRunChanges('run-1', 1, 10)).find((r) => r.user === 'carol');
    expect(carol?.outcome).toBe('started');
  });

  it('a loss whose confirming read the deadline cut is not settled: no record, nothing written, for the next batch', async () => {
    const { plan, hub, state, context } = fourPhases();
    const confirmLoss = async (change: { user: string }) => {
      if (change.user !== 'carol') return null;
      await new Promise((resolve) => setTimeout(resolve, 40)); // the read outlives the run's deadline
      throw new Error('okta: GET /api/v1/users/carol was aborted');
    };
    const result = await withDeadline(Date.now() + 20, () => applyPlan(plan, hub, state, { ...context, concurrency: 1, confirmLoss }));
    expect(result.failed[0]).toMatchObject({
      user: 'carol',
      error: expect.stringMatching(/^not settled: the run's deadline came during the loss's confirmation \(okta: /),
    });
    expect(hub.writes).not.toContain('set carol no_access');
    const records = await state.listRunChanges('run-1', 1, 10);
    expect(records.find((r) => r.user === 'carol')).toBeUndefined();
  });

  it('a loss whose confirming read fails in time is held, and recorded so', async () => {
    const { plan, hub, state, context } = fourPhases();
    const confirmLoss = async (change: { user: string }) => {
      if (change.user === 'carol') throw new Error('okta: GET /api/v1/users/carol failed: 500');
      return null;
    };
    const result = await applyPlan(plan, hub, state, { ...context, confirmLoss });
    expect(result.held.map((h) => h.user)).toEqual(['carol']);
    expect(hub.writes).not.toContain('set carol no_access');
    const carol = (await state.listRunChanges('run-1', 1, 10)).find((r) => r.user === 'carol');
    expect(carol).toMatchObject({ outcome: 'held', error: expect.stringMatching(/^it could not be confirmed: okta: /) });
  });
});
