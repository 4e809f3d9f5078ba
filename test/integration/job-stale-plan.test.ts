import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { jobDeps, reconcile, resumeRun } from '../../shared/reconcile/reconcile.js';
import { applyBatch, finishJob, type JobTicket } from '../../shared/reconcile/job.js';
import { LeaseHeldError } from '../../shared/runtime/errors.js';
import { withDeadline } from '../../shared/runtime/deadline.js';

/**
 * A stored plan is not executed blindly: between the plan and its batch, people change members on
 * the Hub and offboardings run. Each change is compared with the batch's own read before it is
 * written; a member that moved is not overwritten with the old decision but planned again alone.
 */

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  const { okta, hub } = h.sandbox;
  const write = okta.groupByName('hf-acme-write').id;
  for (let i = 0; i < 40; i += 1) {
    okta.addToGroup(write, okta.addUser({ login: `up${i}@acme.example`, status: 'ACTIVE', profile: { hfUsername: `up${i}` } }).id);
    hub.addMember(`up${i}`, 'read');
  }
});
afterEach(async () => {
  await h.stop();
});

const who = { trigger: 'invoke' as const, actor: 'carol' };
const puts = (user: string) =>
  h.sandbox.hub.calls.filter((c) => c.method === 'PUT' && c.path.endsWith(`/members/${user}/role`) && c.status === 200);

async function batches(ticket: JobTicket): Promise<JobTicket> {
  const deps = jobDeps(h.composition.ports, h.config, who);
  let t = ticket;
  while (!t.done) t = await applyBatch(deps, t, { ...who, handoverMs: 5_000 });
  await finishJob(deps, t);
  return t;
}

describe('a stored plan meets a Hub that moved on', () => {
  it('a member changed by a person or offboarded meanwhile is re-planned alone, never overwritten with the old decision', async () => {
    const { ports } = h.composition;
    const planned = await reconcile(ports, h.config, {
      dryRun: false,
      scope: { kind: 'organization' },
      ...who,
      execution: { job: 'hand-over' },
    });
    expect(planned.plan.changes.filter((c) => c.user.startsWith('up'))).toHaveLength(40);
    // Meanwhile: someone on the Hub makes up3 a contributor; up4 leaves Okta's group and an event-driven run takes write away.
    h.sandbox.hub.member('up3')!.role = 'contributor';
    h.sandbox.okta.removeFromGroup(h.sandbox.okta.groupByName('hf-acme-write').id, h.sandbox.okta.userByLogin('up4@acme.example').id);
    h.sandbox.hub.member('up4')!.role = 'no_access';

    const done = await batches(planned.ticket!);

    expect(done.counts.superseded).toBe(2);
    const changes = await ports.state.listRunChanges(planned.runId, 1, 1_000);
    const up3 = changes.find((c) => c.user === 'up3')!;
    expect(up3.outcome).toBe('superseded');
    expect(up3.error).toMatch(
      /^up3 changed since the plan was made: planned from read, the Hub now shows contributor; not overwritten with the old decision; re-planned alone in run r-\S+ \(succeeded: set-role\)$/,
    );
    // Okta still says write: the person run decided that afresh (one PUT, from the person run).
    expect(h.sandbox.hub.member('up3')?.role).toBe('write');
    expect(puts('up3')).toHaveLength(1);
    // up4 is not given back the write the old plan wanted: planned alone, nothing to do.
    expect(changes.find((c) => c.user === 'up4')?.error).toMatch(/re-planned alone in run r-\S+ \(no-changes: no change\)$/);
    expect(h.sandbox.hub.member('up4')?.role).toBe('no_access');
    expect(puts('up4')).toHaveLength(0);
    // Everyone else as planned.
    expect(h.sandbox.hub.member('up39')?.role).toBe('write');
    expect(await ports.state.getRun(planned.runId)).toMatchObject({ outcome: 'blocked', actor: 'carol' });
  });

  it('a stopped run resumes from its checkpoint, under a lease of its own: refused while its execution holds the lease', async () => {
    const { ports } = h.composition;
    const planned = await reconcile(ports, h.config, {
      dryRun: false,
      scope: { kind: 'organization' },
      ...who,
      execution: { job: 'hand-over' },
    });
    // One batch that the invocation's deadline stops mid-plan; then the execution is stopped (nobody adopts the lease it handed over).
    const deps = jobDeps(ports, h.config, who);
    h.sandbox.hub.latencyMs = 40;
    const first = await withDeadline(Date.now() + 1_500, () =>
      applyBatch(deps, planned.ticket!, { ...who, slice: 5, concurrency: 1, handoverMs: 60_000 }),
    );
    expect(first).toMatchObject({ done: false, stoppedBy: 'deadline' });
    expect(first.cursor).toBeGreaterThan(0);
    h.sandbox.hub.latencyMs = 0;
    const error = await resumeRun(ports, h.config, { runId: planned.runId, ...who }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect(String(error)).toContain(planned.runId);
    // An operator breaks the dead execution's lease (unlock), then resumes: the rest is applied, once.
    await ports.state.breakLease('acme', planned.runId);
    const resumed = await resumeRun(ports, h.config, { runId: planned.runId, ...who, actor: 'dave' });
    expect(resumed.ticket).toMatchObject({ done: true, owner: expect.stringMatching(new RegExp(`^${planned.runId}\\+resume-`)) });
    expect(resumed.run).toMatchObject({ outcome: 'blocked', resumedBy: 'dave' });
    expect(resumed.result!.applied.length + first.counts.applied).toBe(resumed.ticket.counts.applied);
    await expect(resumeRun(ports, h.config, { runId: planned.runId, ...who })).rejects.toThrowError(/is finished/);
    expect(h.sandbox.hub.member('up39')?.role).toBe('write');
    for (const user of ['up0', 'up20', 'up39']) expect(puts(user)).toHaveLength(1);
  });

  it('a batch whose Hub read fails keeps the lease for its retry: no other run gets in between, the retry carries on', async () => {
    const { ports } = h.composition;
    const planned = await reconcile(ports, h.config, {
      dryRun: false,
      scope: { kind: 'organization' },
      ...who,
      execution: { job: 'hand-over' },
    });
    const deps = jobDeps(ports, h.config, who);
    h.sandbox.hub.inject({ method: 'GET', path: /\/members$/, status: 503, times: 10 });
    await expect(applyBatch(deps, planned.ticket!, who)).rejects.toThrow(/members/);
    await expect(ports.state.acquireLease('acme', 'another-run', 60_000, new Date())).rejects.toThrowError(LeaseHeldError);
    h.sandbox.hub.clearFaults();
    const retried = await applyBatch(deps, planned.ticket!, who);
    expect(retried).toMatchObject({ done: true, counts: { failed: 0 } });
    expect(h.sandbox.hub.member('up39')?.role).toBe('write');
  });

  it('an in-process run whose batch cannot read the Hub is recorded stopped, with why, and resumes', async () => {
    const { ports } = h.composition;
    // The plan's read goes through; the batch's own read of the members fails (after the client's retries).
    h.sandbox.hub.inject({ method: 'GET', path: /\/members$/, status: 503, skip: 1, times: 10 });
    const error = await reconcile(ports, h.config, { dryRun: false, scope: { kind: 'organization' }, ...who }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/members/);
    expect(h.sandbox.hub.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    const runId = (await ports.state.lastFinishedRun('acme'))!.runId;
    expect(await ports.state.getRun(runId)).toMatchObject({
      outcome: 'stopped',
      error: expect.stringMatching(/^stopped after 0 of \d+ changes \(.*503.*\); continue it with `hf-iam-sync apply --resume r-/),
    });
    h.sandbox.hub.clearFaults();
    const resumed = await resumeRun(ports, h.config, { runId, ...who });
    expect(resumed.run?.outcome).toBe('blocked');
    expect(h.sandbox.hub.member('up39')?.role).toBe('write');
  });
});
