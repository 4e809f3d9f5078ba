import { runOutcome, type RunOutcome } from '../domain/run-outcome.js';
import { computePlan, type PlanInputs } from '../domain/compute-plan.js';
import { linkByEmail } from '../domain/desired-state.js';
import type { Change, Plan, PlanScope } from '../domain/plan.js';
import { userKey } from '../domain/roles.js';
import type { ChangeRecord, OktaCause, RunRecord, Trigger } from '../ports/audit-trail.js';
import type { OutboxEntry } from '../ports/event-claims.js';
import type { StateStore } from '../ports/state-store.js';
import type { ManagedMembers } from '../ports/managed-members.js';
import type { ManagedMember } from '../domain/types.js';
import type { Config } from '../runtime/config.js';
import { LeaseHeldError, SupersededError, describeError } from '../runtime/errors.js';
import { withOktaRateShare } from '../runtime/okta-rate-share.js';
import { runDeadline, timeLeft, withDeadline } from '../runtime/deadline.js';
import { HeldLease } from '../runtime/held-lease.js';
import { applyPlan, type ApplyResult } from './apply-plan.js';
import { holdPeople } from './member-holds.js';
import {
  DEFAULT_HANDOVER_MS,
  finishJob,
  leaseName,
  leaseOps,
  runBatches,
  storePlan,
  takeOverJob,
  type JobDeps,
  type JobTicket,
} from './job.js';
import { readInputs, type ReadPorts, type SharedReads } from './read-inputs.js';

/**
 * The reconcile use case, shared by the Lambda function and the CLI.
 *
 * Primary course (apply):
 *   1. an org run takes the organization's lease (two org runs never overlap); a one-person run
 *      takes none — it holds its members instead, before it reads the Hub (see member-holds.ts)
 *   2. record the run as started
 *   3. read Okta, the Hub and our state — any failure ends the run here, with no write to the Hub
 *   4. compute the plan; let `confirm` see it (the CLI asks the admin)
 *   5. apply exactly the plan's changes; record every change and its outcome — an org run stores
 *      its plan and applies it in batches with checkpoints (job.ts: here in-process, or handed
 *      over to the state machine); a one-person run applies it at once
 *   6. record newly claimed members as managed; record the run's outcome; release the lease
 *
 * A dry run is steps 3–4 only: it takes no lease and writes nothing.
 */

/** The share of a shared rate-limit bucket an organization run may use. */
const BULK_SHARE = 0.5;

/** A run reads (ReadPorts' roles) and writes every role of the state store: leases, holds, the audit trail, the outbox, members. */
export interface ReconcilePorts extends ReadPorts {
  state: StateStore;
  clock: () => Date;
  newRunId: () => string;
}

export interface ReconcileRequest {
  dryRun: boolean;
  scope: PlanScope;
  trigger: Trigger;
  actor: string;
  /**
   * Epoch ms (real time) by which the run must be done: the Lambda invocation's end, the CLI's --deadline (default: the enclosing
   * run's, else 15 minutes from now).
   */
  deadline?: number;
  /** What an admin decided about this run's plan (the CLI: the prompt, `--allow-removals`, a plan restored by hand). */
  approval?: RunApproval;
  /** How the run applies: its lease, its concurrency, in this process or by the state machine. */
  execution?: RunExecution;
  /** A person run started by an Okta delivery (offboarding): its cause, its outbox entries, what a burst reads once. */
  delivery?: DeliveryHooks;
}

interface RunApproval {
  /** Called with the plan (and the run's id) before anything is applied; returning false ends the run unapplied. */
  confirm?: (plan: Plan, runId: string) => Promise<boolean>;
  /** Plans from what was read instead of `computePlan` (a restore by hand); the run is otherwise the same. */
  plan?: (inputs: PlanInputs) => Plan;
  /**
   * Lifts `safety.maxRemovals` to `count` for this run only (an admin's decision, with a reason): the
   * plan says so, and an applying run records who, how many and why in the audit trail first.
   */
  allowRemovals?: { count: number; reason: string };
}

export interface RunExecution {
  /** How long to wait for another run's lease before giving up (events wait; the CLI does not). */
  leaseWaitMs?: number;
  /** The lease heartbeat (default one minute): how long a killed run can block the next one. */
  leaseHeartbeatMs?: number;
  concurrency?: number;
  /** Progress of the apply phase (changes done of total), for a terminal. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Org applies: `in-process` (default) applies the stored plan's batches here, until done or the
   * deadline (then the run is left `stopped`, resumable); `hand-over` stores the plan and returns its
   * ticket with the lease handed over — the state machine runs the batches (see job.ts).
   */
  job?: 'in-process' | 'hand-over';
}

interface DeliveryHooks {
  /** Recorded on the run's changes (the audit record's cause, the offboarding's delay). */
  oktaEvent?: OktaCause;
  /**
   * The outbox entries to stage (offboarding's outcome events, pending): each goes in the same write
   * as the `started` record of its person's changes, before their first Hub call.
   */
  stage?: (plan: Plan, runId: string) => OutboxEntry[];
  /**
   * After the plan is applied: the outbox entries its result settles (outbox.ts), written with the
   * run's finished record in one request.
   */
  settle?: (plan: Plan, runId: string, result: ApplyResult) => { put: OutboxEntry[]; drop: string[] };
  /** A person run among many at once (a burst's delivery): what they read once between them. */
  shared?: SharedReads;
}

/** The apply's concurrency and progress callback, as applyPlan and the job's batches take them. */
const applyPace = (execution: RunExecution | undefined) => ({
  ...(execution?.concurrency ? { concurrency: execution.concurrency } : {}),
  ...(execution?.onProgress ? { onProgress: execution.onProgress } : {}),
});

export interface ReconcileOutcome {
  runId: string;
  plan: Plan;
  /** Absent for a dry run, an errored plan, or a declined confirmation. */
  result?: ApplyResult;
  outcome: RunOutcome | 'planned' | 'declined';
  /** An org apply: where its stored plan is (with `job: 'hand-over'`, the state machine's next input). */
  ticket?: JobTicket;
}

function outcomeOf(plan: Plan, result: ApplyResult): RunOutcome {
  return runOutcome({
    planned: plan.changes.length,
    applied: result.applied.length,
    failed: result.failed.length,
    held: result.held.length,
    blocked: plan.blocked.length,
  });
}

/**
 * Members an Okta user claims but our state does not list yet become managed now, so that they
 * keep being managed if the claim later disappears. Written once per member, not every run.
 */
async function recordClaims(
  state: ManagedMembers,
  inputs: PlanInputs,
  plan: Plan,
  changed: ReadonlyArray<{ user: string }>,
  now: string,
): Promise<void> {
  const known = new Set(inputs.managed.map((m) => userKey(m.user)));
  // Members the run changes are recorded with their change (apply-plan.ts).
  for (const r of changed) known.add(userKey(r.user));
  const directory = inputs.policy.emailFallback ? linkByEmail(inputs.directory, inputs.hub.members) : inputs.directory;
  const claimedBy = new Map(directory.users.flatMap((u) => (u.hfUsername ? [[userKey(u.hfUsername), u.id] as const] : [])));
  const conflicted = new Set(plan.conflicts.map((c) => c.user));
  const fresh = inputs.hub.members.filter(
    (m) => claimedBy.has(userKey(m.user)) && !known.has(userKey(m.user)) && !conflicted.has(userKey(m.user)),
  );
  await state.saveManaged(
    plan.organization,
    fresh.map((member) => ({
      user: member.user,
      oktaUserId: claimedBy.get(userKey(member.user))!,
      role: member.role,
      resourceGroups: member.resourceGroups,
      lastSyncedAt: now,
    })),
  );
}

/**
 * Re-reads one person alone (their Okta user and groups, their Hub member) and plans them again;
 * null when that plan makes the same change, else what it says instead.
 */
async function confirmAlone(ports: ReconcilePorts, config: Config, change: Change): Promise<string | null> {
  const alone = computePlan(await readInputs(ports, config, { kind: 'user', user: change.oktaUserId ?? change.user }));
  const again = [...alone.changes, ...alone.blocked.map((b) => b.change)].find((c) => c.id === change.id);
  if (again && again.action === change.action && JSON.stringify(again.after) === JSON.stringify(change.after)) return null;
  const instead =
    alone.changes
      .filter((c) => c.user.toLowerCase() === change.user.toLowerCase())
      .map((c) => `${c.action}${c.after ? ` → ${c.after.role}` : ''}`)
      .join(', ') || 'no change';
  return `inconsistent read: the organization read says ${change.action}${change.after ? ` → ${change.after.role}` : ''} for ${change.user}, a read of the person alone says ${instead}; held, not written (the next run decides again)`;
}

/**
 * What an org run's batches need from the rest of the use case: the loss confirmation and, for a
 * member changed since the plan, a run of that person alone (a one-person reconcile: member holds,
 * its own run id and audit records).
 */
export function jobDeps(ports: ReconcilePorts, config: Config, who: { trigger: Trigger; actor: string }): JobDeps {
  return {
    hub: ports.hub,
    state: ports.state,
    clock: ports.clock,
    confirmLoss: (change) => confirmAlone(ports, config, change),
    replanAlone: async (change) => {
      const alone = await reconcile(ports, config, {
        dryRun: false,
        scope: { kind: 'user', user: change.oktaUserId ?? change.user },
        trigger: who.trigger,
        actor: who.actor,
      });
      const did = alone.result?.applied.map((r) => r.action).join(', ') || 'no change';
      return `re-planned alone in run ${alone.runId} (${alone.outcome}: ${did})`;
    },
  };
}

/** `safety.maxRemovals` as configured: a count, or a percentage. */
const configuredLimit = (m: Config['policy']['maxRemovals']) => (m.kind === 'count' ? String(m.value) : `${m.value}%`);

function overrideSummary(config: Config, allow: { count: number; reason: string }): string {
  return `safety.maxRemovals lifted from ${configuredLimit(config.policy.maxRemovals)} to ${allow.count} for this run only: ${allow.reason.trim()}`;
}

/** The plan of what was read: a restore's own planner, or computePlan — under a one-run guard override if asked. */
function planFrom(inputs: PlanInputs, request: ReconcileRequest): Plan {
  const { plan: override, allowRemovals } = request.approval ?? {};
  if (override) return override(inputs);
  if (!allowRemovals) return computePlan(inputs);
  const plan = computePlan({ ...inputs, policy: { ...inputs.policy, maxRemovals: { kind: 'count', value: allowRemovals.count } } });
  plan.diagnostics.unshift({
    severity: 'warning',
    code: 'guard-override',
    summary: `safety.maxRemovals is lifted from ${configuredLimit(inputs.policy.maxRemovals)} to ${allowRemovals.count} for this run only`,
    detail: `reason given: ${allowRemovals.reason.trim()} (recorded in the audit trail when applied)`,
  });
  return plan;
}

/** The organization's lease for a run (waiting `leaseWaitMs` at most, within the run's time). */
export async function takeLease(
  ports: ReconcilePorts,
  org: string,
  runId: string,
  request: { deadline?: number | undefined; execution?: Pick<RunExecution, 'leaseWaitMs' | 'leaseHeartbeatMs'> | undefined },
): Promise<HeldLease> {
  const { leaseWaitMs = 0, leaseHeartbeatMs } = request.execution ?? {};
  const waitUntil = Date.now() + Math.min(leaseWaitMs, Math.max(0, timeLeft() - 1000));
  const ops = leaseOps(ports.state, ports.clock, org, runId);
  const timing = { deadline: request.deadline!, ...(leaseHeartbeatMs ? { heartbeatMs: leaseHeartbeatMs } : {}) };
  for (;;) {
    try {
      return await HeldLease.take(leaseName(org), ops, timing);
    } catch (error) {
      if (!(error instanceof LeaseHeldError) || Date.now() >= waitUntil) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** @example await reconcile(ports, config, { dryRun: true, scope: { kind: 'organization' }, trigger: 'cli', actor: 'me' }) */
export async function reconcile(ports: ReconcilePorts, config: Config, request: ReconcileRequest): Promise<ReconcileOutcome> {
  // Every request of this run (Okta, Hub) is bounded by its deadline; so is its lease.
  const deadline = runDeadline(request.deadline);
  // An org run reads in bulk: it leaves half of Okta's shared buckets to everyone else (offboardings included).
  const share = request.scope.kind === 'organization' ? BULK_SHARE : 1;
  return withDeadline(deadline, () => withOktaRateShare(share, () => run(ports, config, { ...request, deadline })));
}

async function run(ports: ReconcilePorts, config: Config, request: ReconcileRequest): Promise<ReconcileOutcome> {
  const runId = ports.newRunId();
  if (request.dryRun) {
    const plan = planFrom(await readInputs(ports, config, request.scope, { now: ports.clock, snapshot: 'read' }), request);
    return { runId, plan, outcome: 'planned' };
  }
  // One person serializes on their members (member-holds.ts), never on the organization: an
  // offboarding does not wait for an org reconcile. An org run holds the org lease, and each member
  // around its write.
  const lease = request.scope.kind === 'user' ? null : await takeLease(ports, config.policy.organization, runId, request);
  const applying = new ApplyingRun(ports, config, request, runId, lease);
  try {
    return await applying.execute();
  } finally {
    await Promise.all([lease, ...applying.holds].map((held) => held?.release()));
  }
}

/** A run that applies: its record, its reads (with a person's member holds), its guards, then the job or the person's changes. */
class ApplyingRun {
  readonly holds: HeldLease[] = [];
  readonly record: RunRecord;
  readonly org: string;
  readonly person: boolean;
  readAtMs: number;

  constructor(
    readonly ports: ReconcilePorts,
    readonly config: Config,
    readonly request: ReconcileRequest,
    readonly runId: string,
    readonly lease: HeldLease | null,
  ) {
    this.org = config.policy.organization;
    this.person = request.scope.kind === 'user';
    this.readAtMs = ports.clock().getTime();
    this.record = {
      runId,
      organization: this.org,
      trigger: request.trigger,
      actor: request.actor,
      scope: request.scope,
      startedAt: ports.clock().toISOString(),
    };
  }

  get #timing() {
    const heartbeatMs = this.request.execution?.leaseHeartbeatMs;
    return { deadline: this.request.deadline!, ...(heartbeatMs ? { heartbeatMs } : {}) };
  }

  #finished(plan: Plan, extra: Partial<RunRecord>): RunRecord {
    return { ...this.record, finishedAt: this.ports.clock().toISOString(), planSummary: plan.summary, ...extra };
  }

  async execute(): Promise<ReconcileOutcome> {
    const { ports, request, runId } = this;
    const inputs = await this.#readRecorded();
    const plan = planFrom(inputs, request);
    if (request.scope.kind === 'organization' && inputs.hub.scimManagedResourceGroups) {
      await ports.state.putScimManagedResourceGroups(this.org, inputs.hub.scimManagedResourceGroups, ports.clock());
    }
    if (plan.errored) {
      const error = plan.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => d.summary)
        .join('; ');
      await ports.state.putRun(this.#finished(plan, { outcome: 'failed', error }));
      return { runId, plan, outcome: 'failed' };
    }
    const { confirm, allowRemovals } = request.approval ?? {};
    if (confirm && plan.changes.length > 0 && !(await confirm(plan, runId))) {
      await ports.state.putRun(this.#finished(plan, { outcome: 'aborted', error: 'declined at confirmation' }));
      return { runId, plan, outcome: 'declined' };
    }
    if (allowRemovals) await this.#recordOverride(allowRemovals);
    return this.lease ? this.#applyAsJob(this.lease, inputs, plan) : this.#applyPerson(inputs, plan);
  }

  /**
   * An org run is recorded while the reads go (nothing is written to the Hub before both are
   * done); a person run with its changes' `started` records (one write each), and one that
   * changes nothing once, finished — a burst's offboardings make one table request fewer each.
   */
  async #readRecorded(): Promise<PlanInputs> {
    const recorded = this.person ? Promise.resolve() : this.ports.state.putRun(this.record);
    try {
      const [, inputs] = await Promise.all([
        recorded,
        this.person ? this.#readPerson() : readInputs(this.ports, this.config, this.request.scope, { now: this.ports.clock }),
      ]);
      return inputs;
    } catch (error) {
      await recorded.catch(() => undefined);
      await this.ports.state.putRun({
        ...this.record,
        finishedAt: this.ports.clock().toISOString(),
        outcome: 'aborted',
        error: describeError(error),
      });
      throw error;
    }
  }

  /** A person's read, holding each member they may be before the Hub is read (member-holds.ts). */
  async #readPerson(): Promise<PlanInputs> {
    const { ports, config, request } = this;
    for (let attempt = 1; ; attempt += 1) {
      this.readAtMs = ports.clock().getTime();
      try {
        return await readInputs(ports, config, request.scope, {
          ...(request.delivery?.shared ? { shared: request.delivery.shared } : {}),
          beforeHubRead: async (users) => {
            this.holds.push(...(await holdPeople(ports.state, ports.clock, this.org, this.runId, users, this.readAtMs, this.#timing)));
          },
        });
      } catch (error) {
        // Another run read later and decided already: give back what this read held, read again
        // (now later than it), decide again.
        if (!(error instanceof SupersededError) || attempt === 3) throw error;
        await Promise.all(this.holds.splice(0).map((h) => h.release()));
      }
    }
  }

  /** Recorded before the first write: the trail says who lifted the guard, by how much and why. */
  async #recordOverride(allow: { count: number; reason: string }): Promise<void> {
    await this.ports.state.putChange({
      runId: this.runId,
      seq: 0,
      organization: this.org,
      user: '-',
      oktaUserId: null,
      action: 'allow-removals',
      effect: 'none',
      before: null,
      after: null,
      reasons: [overrideSummary(this.config, allow)],
      trigger: this.request.trigger,
      actor: this.request.actor,
      outcome: 'applied',
      at: this.ports.clock().toISOString(),
    });
  }

  /** An organization run is a job: its plan is stored and applied in batches with checkpoints (job.ts). */
  async #applyAsJob(lease: HeldLease, inputs: PlanInputs, plan: Plan): Promise<ReconcileOutcome> {
    const { ports, runId } = this;
    const stored = await storePlan(ports.state, ports.clock, plan, { runId, owner: runId, readAtMs: this.readAtMs });
    await recordClaims(ports.state, inputs, plan, plan.changes, ports.clock().toISOString());
    if (this.request.execution?.job === 'hand-over') {
      await lease.handOver(DEFAULT_HANDOVER_MS);
      return { runId, plan, outcome: 'planned', ticket: stored };
    }
    const { ticket, result, run: done } = await runToEnd(ports, this.config, stored, lease, this.request);
    return { runId, plan, result, outcome: done.outcome!, ticket };
  }

  /**
   * A person run: each change is written twice, `started` with the run's own record and its staged
   * outcome events, `applied` with the run's finish. An offboarding's other table writes are its claim and holds.
   */
  async #applyPerson(inputs: PlanInputs, plan: Plan): Promise<ReconcileOutcome> {
    const { ports, request, runId } = this;
    const staged = request.delivery?.stage?.(plan, runId) ?? [];
    const kept: Array<{ change: ChangeRecord; member: ManagedMember }> = [];
    const result = await applyPlan(plan, ports.hub, ports.state, {
      runId,
      trigger: request.trigger,
      actor: request.actor,
      clock: ports.clock,
      ...(request.delivery?.oktaEvent ? { oktaEvent: request.delivery.oktaEvent } : {}),
      alsoRecord: (change: Change) => ({ run: this.record, outbox: staged.filter((e) => userKey(e.user) === userKey(change.user)) }),
      keepApplied: (change: ChangeRecord, member: ManagedMember) => {
        kept.push({ change, member });
      },
      // A person run's holds were taken moments ago and are checked without a round trip (their heartbeat reports a loss).
      beforeWrite: async (change) => {
        for (const held of this.holds) held.check(`change ${change.id}`);
      },
      ...applyPace(request.execution),
    });
    await recordClaims(ports.state, inputs, plan, result.applied, ports.clock().toISOString());
    const outcome = outcomeOf(plan, result);
    // Its finished record, its applied changes with the members' new state and its settled outcome
    // events are one write; the holds go back once that is in the table.
    const done = this.#finished(plan, { outcome, applied: result.applied.length, failed: result.failed.length });
    await ports.state.finishRun(done, request.delivery?.settle?.(plan, runId, result) ?? { put: [], drop: [] }, kept);
    await Promise.all(this.holds.map((h) => h.release()));
    return { runId, plan, result, outcome };
  }
}

/**
 * A job's batches in this process under `lease`, then its finish — recorded `stopped`, with why, at
 * its last checkpoint when a batch could not go on (a failed read, records the table refused)
 * before the error goes up. An org apply and a resume end the same way.
 */
async function runToEnd(
  ports: ReconcilePorts,
  config: Config,
  ticket: JobTicket,
  lease: HeldLease,
  request: Pick<ReconcileRequest, 'trigger' | 'actor' | 'execution'>,
): Promise<{ ticket: JobTicket; result: ApplyResult; run: RunRecord }> {
  const deps = jobDeps(ports, config, request);
  const ran = await runBatches(deps, ticket, lease, {
    trigger: request.trigger,
    actor: request.actor,
    ...applyPace(request.execution),
  }).catch(async (error: unknown) => {
    await finishJob(deps, ticket, { lease, reason: describeError(error) }).catch(() => undefined);
    throw error;
  });
  const { run } = await finishJob(deps, ran.ticket, { lease, ...(ran.stopReason ? { reason: ran.stopReason } : {}) });
  return { ticket: ran.ticket, result: ran.result, run };
}

export interface ResumeRequest {
  runId: string;
  trigger: Trigger;
  actor: string;
  deadline?: number;
  /** As for a reconcile: batches here (`job: 'in-process'`, default) or a ticket for the state machine (`hand-over`). */
  execution?: Pick<RunExecution, 'job' | 'concurrency' | 'onProgress'>;
}

export interface ResumeOutcome {
  ticket: JobTicket;
  /** In-process: what this resume applied, and the run as it ended. */
  result?: ApplyResult;
  run?: RunRecord;
}

/**
 * Continues a stopped org run from its last checkpoint (`apply --resume RUN`, or the state machine
 * started with `{"resume": RUN}`): it takes the org lease under a new owner — refused while anyone
 * holds it, the run's own execution included — and the stored plan with it. Every change left is
 * checked against a fresh read of the Hub before it is written, so an old plan never overwrites a
 * member changed since (re-planned alone instead).
 */
export async function resumeRun(ports: ReconcilePorts, config: Config, request: ResumeRequest): Promise<ResumeOutcome> {
  const deadline = runDeadline(request.deadline);
  return withDeadline(deadline, () =>
    withOktaRateShare(BULK_SHARE, async () => {
      const { ticket, lease } = await takeOverJob(ports.state, ports.clock, request.runId, { deadline });
      try {
        const run = await ports.state.getRun(request.runId);
        if (run) {
          const { finishedAt: _f, outcome: _o, error: _e, ...open } = run;
          await ports.state.putRun({ ...open, resumedAt: ports.clock().toISOString(), resumedBy: request.actor });
        }
        if (request.execution?.job === 'hand-over') {
          await lease.handOver(DEFAULT_HANDOVER_MS);
          return { ticket };
        }
        return await runToEnd(ports, config, ticket, lease, request);
      } finally {
        await lease.release();
      }
    }),
  );
}
