import { runOutcome } from '../domain/run-outcome.js';
import { isDecrease } from '../domain/access.js';
import { stillValid } from '../domain/still-valid.js';
import type { Change, Plan } from '../domain/plan.js';
import type { HubMember } from '../domain/types.js';
import type { AuditTrail, ChangeRecord, RunRecord, Trigger } from '../ports/audit-trail.js';
import type { JobCounts, StoredPlan, StoredPlans } from '../ports/stored-plans.js';
import type { IssuedTokens } from '../ports/issued-tokens.js';
import type { Leases, MemberHolds } from '../ports/leases.js';
import type { HubOrg } from '../ports/hub-org.js';
import { ConflictError, describeError } from '../runtime/errors.js';
import { timeLeft } from '../runtime/deadline.js';
import { pack } from '../runtime/pack.js';
import { HeldLease, type LeaseOps } from '../runtime/held-lease.js';
import { DeadlineReachedError, LeaseLostError } from '../runtime/errors.js';
import { applyOrder, applyPlan, type ApplyContext, type ApplyResult } from './apply-plan.js';
import { holdMember } from './member-holds.js';

/**
 * An organization reconcile as a job: its plan is stored, then applied in batches by whoever
 * executes it — the Step Functions state machine (one Lambda invocation per batch, a Wait state
 * between them), the CLI in-process, or `apply --resume RUN` — with the same checkpoints.
 *
 *   plan ─► store (chunks in apply order, then the header) ─► batch ─► wait ─► batch … ─► finish
 *
 * A batch: adopt the org lease (a conditional renewal by the job's owner: the fence), read the Hub's
 * members once (one call per page), then apply slices of the stored changes in order. Before each
 * slice it stops when the invocation's time is nearly out or the rate-limit window is spent (it
 * returns how long to wait instead of sleeping in Lambda). After each slice it checkpoints: the
 * slice's audit records are the truth (a change with `applied`, `failed`, `held` or `superseded`
 * is settled), the header's cursor and counts move past a slice only once all of it is settled,
 * conditional on the owner and on the cursor it started from. Then it hands the lease over for the
 * wait plus the next invocation's start — if nobody adopts it (the execution was stopped, or died),
 * it expires by itself.
 *
 * Killed mid-slice, the retried batch starts at the last checkpoint and skips what the audit trail
 * says is settled. A change left `started` (the kill came between its Hub call and its record) is
 * checked against the batch's read like every other: the Hub shows the planned access → recorded
 * applied without a second write; it shows what the plan was made from → written; anything else →
 * someone changed the member since the plan: not overwritten, re-planned alone (a one-person run).
 */

/** Changes stored per item (each item stays far below DynamoDB's 400 KB). */
const STORED_CHUNK = 200;
/** Changes between checkpoints. */
const DEFAULT_SLICE = 50;
/** Hub writes in flight at once in a batch (the rate limiter, not this, sets the pace). */
const DEFAULT_CONCURRENCY = 16;
/** Kept for the next invocation to adopt the lease after a wait: Step Functions' transition and a cold start. */
export const DEFAULT_HANDOVER_MS = 60_000;
/**
 * A spent window ends the batch: the executor waits for its reset (a Wait state bills no Lambda
 * time), the next batch starts with a full window.
 */
const DEFAULT_MAX_INLINE_WAIT_MS = 0;
const IN_PROCESS_INLINE_WAIT_MS = 60_000;

/** Where a job is: what the state machine carries from one state to the next. */
export interface JobTicket {
  runId: string;
  /** The lease owner executing the job (the run id, or a resume's own). */
  owner: string;
  organization: string;
  done: boolean;
  /** Seconds to wait before the next batch (the rate-limit window's reset, rounded up: a Wait state counts whole seconds); 0: go on. */
  waitSeconds: number;
  /** The same wait to the millisecond (an in-process executor sleeps exactly this). */
  waitMs?: number;
  cursor: number;
  total: number;
  counts: JobCounts;
  /** Why the last batch ended: the stored plan is done, the window is spent, or the invocation's time is. */
  stoppedBy?: 'done' | 'rate-limit' | 'deadline';
  /** The state machine's Catch puts here why the batches failed (then `finish` records the run stopped). */
  error?: { Error?: string; Cause?: string };
}

export interface JobDeps {
  hub: HubOrg;
  state: Leases & MemberHolds & StoredPlans & AuditTrail & IssuedTokens;
  clock: () => Date;
  /** An org read may be silently short: a loss must agree with that person read alone (null: it does). */
  confirmLoss: (change: Change) => Promise<string | null>;
  /** A change whose member changed since the plan: plan and apply that person alone; says what happened. */
  replanAlone: (change: Change) => Promise<string>;
}

export interface BatchOptions {
  trigger: Trigger;
  actor: string;
  /** Changes between checkpoints (default 50). */
  slice?: number;
  concurrency?: number;
  handoverMs?: number;
  maxInlineWaitMs?: number;
  leaseHeartbeatMs?: number;
  /** In-process: the lease the whole run holds (no adopt, no hand-over per batch). */
  lease?: HeldLease;
  /** Each slice's results (runBatches gathers them for the CLI). */
  onSlice?: (result: ApplyResult) => void;
  onProgress?: (done: number, total: number) => void;
}

/** Hub calls a change costs: its write, and for a loss the read of the person alone that confirms it. */
const callsFor = (change: Change) => (isDecrease(change.effect) ? 2 : 1);

const ZERO: JobCounts = { applied: 0, failed: 0, held: 0, superseded: 0 };

/** The organization's lease, held by `owner`: the operations HeldLease takes, adopts, renews and releases it with. */
export function leaseOps(state: Leases, clock: () => Date, organization: string, owner: string): LeaseOps {
  return {
    acquire: (ttl) => state.acquireLease(organization, owner, ttl, clock()),
    renew: (ttl) => state.renewLease(organization, owner, ttl, clock()),
    release: () => state.releaseLease(organization, owner),
  };
}

/** How errors name the organization's lease. */
export const leaseName = (organization: string) => `reconcile lease for "${organization}"`;

function ticketOf(stored: StoredPlan, extra: Partial<JobTicket> = {}): JobTicket {
  const done = stored.cursor >= stored.total;
  return {
    runId: stored.runId,
    owner: stored.owner,
    organization: stored.organization,
    done,
    waitSeconds: 0,
    cursor: stored.cursor,
    total: stored.total,
    counts: stored.counts,
    ...(done ? { stoppedBy: 'done' as const } : {}),
    ...extra,
  };
}

/** Bytes of changes in one stored item: DynamoDB's limit is 400 KB an item, keys and names included. */
const STORED_CHUNK_BYTES = 300_000;

/** Stores an applyable plan for its batches; the run's lease is `owner`'s (taken by the caller). */
export async function storePlan(
  state: StoredPlans & AuditTrail,
  clock: () => Date,
  plan: Plan,
  run: { runId: string; owner: string; readAtMs: number },
): Promise<JobTicket> {
  const ordered = applyOrder(plan.changes);
  // At most 200 changes and 300 KB a stored item.
  const chunks = pack(ordered, {
    maxCount: STORED_CHUNK,
    maxBytes: STORED_CHUNK_BYTES,
    sizeOf: (change) => Buffer.byteLength(JSON.stringify(change)),
  });
  const chunkStarts: number[] = [];
  for (let i = 0, start = 0; i < chunks.length; start += chunks[i]!.length, i += 1) chunkStarts.push(start);
  const stored: StoredPlan = {
    runId: run.runId,
    organization: plan.organization,
    owner: run.owner,
    total: ordered.length,
    chunkStarts,
    cursor: 0,
    counts: { ...ZERO },
    batches: 0,
    readAtMs: run.readAtMs,
    summary: plan.summary,
    blocked: plan.blocked.length,
    status: 'applying',
    updatedAt: clock().toISOString(),
  };
  await state.putStoredPlan(stored, chunks);
  return ticketOf(stored);
}

/**
 * The stale-plan check (domain/still-valid.ts) against the batch's own read of the Hub (`members`,
 * lower-cased usernames): null to write the change, else what to record instead.
 */
export function recheckAgainst(
  members: ReadonlyMap<string, HubMember>,
  change: Change,
): { outcome: 'applied' | 'superseded'; reason: string } | null {
  const validity = stillValid(change, members.get(change.user.toLowerCase()) ?? null);
  if (validity.kind === 'unchanged') return null;
  if (validity.kind === 'already') return { outcome: 'applied', reason: validity.reason };
  return { outcome: 'superseded', reason: `${validity.reason}; not overwritten with the old decision` };
}

const SETTLED = new Set<ChangeRecord['outcome']>(['applied', 'failed', 'held', 'superseded']);

/** Counts a settled slice from its audit records (a `started` one was applied: only its final record failed to be written). */
function countOf(
  records: readonly ChangeRecord[],
  appliedNow: ReadonlySet<string>,
  slice: ReadonlyArray<{ change: Change; seq: number }>,
): JobCounts {
  const counts = { ...ZERO };
  const idOf = new Map(slice.map((s) => [s.seq, s.change.id]));
  for (const r of records) {
    if (r.outcome !== 'started') counts[r.outcome] += 1;
    else if (appliedNow.has(idOf.get(r.seq) ?? '')) counts.applied += 1;
  }
  return counts;
}

const add = (a: JobCounts, b: JobCounts): JobCounts => ({
  applied: a.applied + b.applied,
  failed: a.failed + b.failed,
  held: a.held + b.held,
  superseded: a.superseded + b.superseded,
});

/**
 * One batch of a stored plan: from its checkpoint until the plan is done, the invocation's time is
 * nearly out or the rate-limit window is spent. Never throws for one change; throws when the job
 * must stop (its lease is lost, the table or the Hub's read fails) — the executor retries or finishes it.
 */
export async function applyBatch(deps: JobDeps, ticket: Pick<JobTicket, 'runId' | 'owner'>, options: BatchOptions): Promise<JobTicket> {
  const found = await deps.state.getStoredPlan(ticket.runId);
  if (!found)
    throw new ConflictError(`Run ${ticket.runId} has no stored plan: it was not an organization apply, or its plan was never stored.`);
  if (found.owner !== ticket.owner) throw new LeaseLostError(`stored plan of run ${ticket.runId} (now applied by ${found.owner})`);
  if (found.status === 'finished' || found.cursor >= found.total) return ticketOf(found);
  const org = found.organization;
  const timing = { deadline: Date.now() + timeLeft(), ...(options.leaseHeartbeatMs ? { heartbeatMs: options.leaseHeartbeatMs } : {}) };
  const lease = options.lease ?? (await HeldLease.adopt(leaseName(org), leaseOps(deps.state, deps.clock, org, ticket.owner), timing));
  const batch = new Batch(deps, ticket, options, found, lease, timing);
  try {
    await batch.run();
  } catch (error) {
    // Kept for the executor's retry (a batch that failed is retried from its checkpoint), not released:
    // released, the lease could be taken by another run between the failure and the retry.
    if (!options.lease) await lease.handOver(options.handoverMs ?? DEFAULT_HANDOVER_MS).catch(() => undefined);
    throw error;
  }
  const { waitMs, stoppedBy, stored } = batch;
  const waitSeconds = Math.ceil(waitMs / 1000);
  // The lease waits with the job: through the wait and the next invocation's start, and no longer.
  if (!options.lease) await lease.handOver(waitSeconds * 1000 + (options.handoverMs ?? DEFAULT_HANDOVER_MS));
  return ticketOf(stored, { waitSeconds, ...(waitMs > 0 ? { waitMs: Math.ceil(waitMs) } : {}), ...(stoppedBy ? { stoppedBy } : {}) });
}

type Slice = Array<{ change: Change; seq: number }>;

/** One batch under the job's lease: slices of the stored plan, each applied, settled and checkpointed. */
class Batch {
  waitMs = 0;
  stoppedBy: JobTicket['stoppedBy'];
  #longestSliceMs = 0;
  #sliceStarted = 0;
  readonly #chunks = new Map<number, Change[]>();
  /** The batch's own read of the Hub: every stored change is compared with it before it is written. */
  #members = new Map<string, HubMember>();
  #readAtMs = 0;

  constructor(
    readonly deps: JobDeps,
    readonly ticket: Pick<JobTicket, 'runId' | 'owner'>,
    readonly options: BatchOptions,
    public stored: StoredPlan,
    readonly lease: HeldLease,
    readonly timing: { deadline: number; heartbeatMs?: number },
  ) {}

  async run(): Promise<void> {
    this.#readAtMs = this.deps.clock().getTime();
    this.#members = new Map((await this.deps.hub.listMembers()).map((m) => [m.user.toLowerCase(), m]));
    while (this.stored.cursor < this.stored.total) {
      const slice = await this.#nextSlice();
      if (!slice) break;
      if (!(await this.#applySlice(slice))) break;
      this.#longestSliceMs = Math.max(this.#longestSliceMs, Date.now() - this.#sliceStarted);
    }
    if (this.stored.cursor >= this.stored.total) this.stoppedBy = 'done';
    const batches = this.stored.batches + 1;
    const { cursor, counts, status } = this.stored;
    await this.deps.state.advanceStoredPlan(
      this.ticket.runId,
      this.ticket.owner,
      cursor,
      { cursor, counts, batches, status },
      this.deps.clock(),
    );
    this.stored = { ...this.stored, batches };
  }

  /** The chunk holding `index` (the last one starting at or before it), read once. */
  async #changeAt(index: number): Promise<Change> {
    const { chunkStarts } = this.stored;
    let chunk = chunkStarts.length - 1;
    while (chunkStarts[chunk]! > index) chunk -= 1;
    if (!this.#chunks.has(chunk)) {
      this.#chunks.clear();
      this.#chunks.set(chunk, await this.deps.state.getStoredPlanChunk(this.ticket.runId, chunk));
    }
    return this.#chunks.get(chunk)![index - chunkStarts[chunk]!]!;
  }

  /** The next slice, or null when the batch stops here (its time is nearly out, or the window is spent). */
  async #nextSlice(): Promise<Slice | null> {
    if (timeLeft() < 1.5 * this.#longestSliceMs + 500) {
      this.stoppedBy = 'deadline';
      return null;
    }
    // The fence: a conditional renewal before each slice (it fails once another run has the lease).
    // Within the slice each write is fenced per member by its hold (member-holds.ts), and the
    // lease's heartbeat is checked without a round trip.
    await this.lease.confirm('the next slice');
    const pace = this.deps.hub.pace();
    const from = this.stored.cursor;
    // The next change needs more calls than the window has left (a loss takes two): the window is spent.
    const spent = pace.waitMs === 0 && pace.callsLeft !== null && pace.callsLeft < callsFor(await this.#changeAt(from));
    const wait = spent ? pace.resetInMs : pace.waitMs;
    // A wait longer than this executor waits within a batch, or past this invocation's time: the next batch waits for it.
    const maxInlineWait = this.options.maxInlineWaitMs ?? DEFAULT_MAX_INLINE_WAIT_MS;
    if (wait > maxInlineWait || (wait > 0 && wait >= timeLeft() - 1.5 * this.#longestSliceMs - 500)) {
      this.waitMs = wait;
      this.stoppedBy = 'rate-limit';
      return null;
    }
    this.#sliceStarted = Date.now();
    // A slice is no bigger than what the window has left (a long wait is the executor's, not the invocation's).
    const limit = Math.min(this.options.slice ?? DEFAULT_SLICE, this.stored.total - from);
    const slice: Slice = [];
    // Each change is one Hub call, a loss two (it is confirmed by a read of the person alone):
    // the slice ends where the window's calls do, so no write waits for the window mid-slice.
    let calls = 0;
    for (let i = from; i < from + limit; i += 1) {
      const change = await this.#changeAt(i);
      calls += callsFor(change);
      if (slice.length > 0 && pace.callsLeft !== null && calls > pace.callsLeft) break;
      slice.push({ change, seq: i + 1 });
    }
    return slice;
  }

  /** Applies the slice's unsettled changes, then checkpoints it; false when the deadline came mid-slice. */
  async #applySlice(slice: Slice): Promise<boolean> {
    const { deps, ticket } = this;
    const from = this.stored.cursor;
    const before = await deps.state.listRunChanges(ticket.runId, from + 1, from + slice.length);
    const settled = new Set(before.filter((r) => SETTLED.has(r.outcome)).map((r) => r.seq));
    const todo = slice.filter((s) => !settled.has(s.seq)).map((s) => s.change);
    const seqOf = new Map(slice.map((s) => [s.change.id, s.seq]));
    const stale: Change[] = [];
    const result = await applyPlan({ organization: this.stored.organization, changes: todo }, deps.hub, deps.state, {
      ...this.#applyContext(seqOf, stale),
      ...(this.options.onProgress
        ? { onProgress: (done: number) => this.options.onProgress!(from + slice.length - todo.length + done, this.stored.total) }
        : {}),
    });
    this.options.onSlice?.(result);
    await this.#replanStale(stale, seqOf);
    const after = new Map((await deps.state.listRunChanges(ticket.runId, from + 1, from + slice.length)).map((r) => [r.seq, r]));
    const appliedNow = new Set(result.applied.map((r) => r.changeId));
    const unsettled = slice.filter((s) => {
      const record = after.get(s.seq);
      return !record || (record.outcome === 'started' && !appliedNow.has(s.change.id));
    });
    if (unsettled.length > 0) return this.#stopAtUnsettled(unsettled, result, from);
    const next: Pick<StoredPlan, 'cursor' | 'counts' | 'batches' | 'status'> = {
      cursor: from + slice.length,
      counts: add(this.stored.counts, countOf([...after.values()], appliedNow, slice)),
      batches: this.stored.batches,
      status: this.stored.status,
    };
    await deps.state.advanceStoredPlan(ticket.runId, ticket.owner, from, next, deps.clock());
    this.stored = { ...this.stored, ...next };
    return true;
  }

  #applyContext(seqOf: ReadonlyMap<string, number>, stale: Change[]): ApplyContext {
    const { deps, ticket, options } = this;
    return {
      runId: ticket.runId,
      trigger: options.trigger,
      actor: options.actor,
      clock: deps.clock,
      seqOf: (change) => seqOf.get(change.id)!,
      beforeWrite: async (change) => this.lease.check(`change ${change.id}`),
      // Held under the executor's own name: a retried batch takes its dead invocation's holds again.
      hold: (change) =>
        holdMember(deps.state, deps.clock, this.stored.organization, ticket.owner, change.user, this.#readAtMs, this.timing),
      recheck: async (change) => {
        const answer = recheckAgainst(this.#members, change);
        if (answer?.outcome === 'superseded') stale.push(change);
        return answer;
      },
      confirmLoss: deps.confirmLoss,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    };
  }

  /** Members changed since the plan: each planned again alone, now (the org run holds none of them). */
  async #replanStale(stale: readonly Change[], seqOf: ReadonlyMap<string, number>): Promise<void> {
    for (const change of stale) {
      const what = await this.deps.replanAlone(change).catch((error: unknown) => `re-planning alone failed: ${describeError(error)}`);
      const record = await this.deps.state.getChange(this.ticket.runId, seqOf.get(change.id)!);
      if (record) await this.deps.state.putChange({ ...record, error: `${record.error ?? 'superseded'}; ${what}` }).catch(() => undefined);
    }
  }

  /**
   * Changes not attempted: the deadline came (the next batch does the rest: false), the lease was
   * lost (this executor stops), or the audit trail refused the records (the job cannot go on safely).
   */
  #stopAtUnsettled(unsettled: Slice, result: ApplyResult, from: number): false {
    try {
      this.lease.check('the rest of the slice');
    } catch (error) {
      if (error instanceof DeadlineReachedError) {
        this.stoppedBy = 'deadline';
        return false;
      }
      throw error;
    }
    const why = result.failed.filter((f) => unsettled.some((u) => u.change.id === f.changeId)).map((f) => `${f.user}: ${f.error}`);
    throw new ConflictError(
      `${unsettled.length} change(s) of run ${this.ticket.runId} from #${from + 1} could not be settled (${why.slice(0, 3).join('; ') || 'no audit record'}); the run stops at its last checkpoint and can be resumed.`,
    );
  }
}

/** The run's outcome from its stored plan's counts (a superseded change was decided by a later run: not a failure). */
export function jobOutcome(stored: StoredPlan): NonNullable<RunRecord['outcome']> {
  const { applied, failed, held } = stored.counts;
  return runOutcome({ planned: stored.total, applied, failed, held, blocked: stored.blocked, unfinished: stored.cursor < stored.total });
}

/**
 * Ends a job: records the run's outcome (`stopped` with the reason when the batches did not reach
 * the end), marks the stored plan finished when they did, and gives the lease back.
 */
export async function finishJob(
  deps: Pick<JobDeps, 'state' | 'clock'>,
  ticket: Pick<JobTicket, 'runId' | 'owner' | 'error'>,
  options: { lease?: HeldLease; reason?: string } = {},
): Promise<{ run: RunRecord; stored: StoredPlan }> {
  const [stored, run] = await Promise.all([deps.state.getStoredPlan(ticket.runId), deps.state.getRun(ticket.runId)]);
  if (!stored || !run) throw new ConflictError(`Run ${ticket.runId} has no stored plan or no run record; there is nothing to finish.`);
  const outcome = jobOutcome(stored);
  const why = ticket.error ? `${ticket.error.Error ?? 'Error'}: ${ticket.error.Cause ?? ''}`.trim() : options.reason;
  const stopped =
    outcome === 'stopped'
      ? `stopped after ${stored.cursor} of ${stored.total} changes${why ? ` (${why})` : ''}; continue it with \`hf-iam-sync apply --resume ${ticket.runId}\` or a state machine execution with {"resume": "${ticket.runId}"}`
      : undefined;
  const finished: RunRecord = {
    ...run,
    finishedAt: deps.clock().toISOString(),
    outcome,
    planSummary: stored.summary,
    applied: stored.counts.applied,
    failed: stored.counts.failed,
    ...(stopped ? { error: stopped } : {}),
  };
  if (outcome !== 'stopped' && stored.owner === ticket.owner && stored.status !== 'finished') {
    await deps.state
      .advanceStoredPlan(
        ticket.runId,
        ticket.owner,
        stored.cursor,
        { cursor: stored.cursor, counts: stored.counts, batches: stored.batches, status: 'finished' },
        deps.clock(),
      )
      .catch(() => undefined);
  }
  await deps.state.putRun(finished);
  // Given back only by its owner (the release is conditional); a lease already taken over stays theirs.
  if (options.lease) await options.lease.release();
  else await deps.state.releaseLease(stored.organization, ticket.owner);
  return { run: finished, stored: { ...stored, status: outcome === 'stopped' ? stored.status : 'finished' } };
}

/**
 * Takes up a stopped run: the org lease under a new owner (refused while the run's execution, or
 * anyone, holds it), then the stored plan (conditional: not finished).
 */
export async function takeOverJob(
  state: StoredPlans & Leases,
  clock: () => Date,
  runId: string,
  timing: { deadline: number; heartbeatMs?: number },
): Promise<{ ticket: JobTicket; lease: HeldLease }> {
  const stored = await state.getStoredPlan(runId);
  if (!stored)
    throw new ConflictError(
      `Run ${runId} has no stored plan to resume (only an organization apply stores one; \`hf-iam-sync audit\` lists the runs' ids with their changes).`,
    );
  if (stored.status === 'finished')
    throw new ConflictError(`Run ${runId} is finished (${stored.cursor} of ${stored.total} changes settled); there is nothing to resume.`);
  const owner = `${runId}+resume-${clock().getTime().toString(36)}`;
  const lease = await HeldLease.take(leaseName(stored.organization), leaseOps(state, clock, stored.organization, owner), timing);
  try {
    await state.takeOverStoredPlan(runId, owner, clock());
  } catch (error) {
    await lease.release();
    throw error;
  }
  return { ticket: ticketOf({ ...stored, owner }), lease };
}

/**
 * The batches of a job in one process (the CLI, a direct invocation): batch after batch under one
 * lease, sleeping what the window says between them, until the plan is done or the run's deadline
 * comes (then the run is left `stopped`, resumable). Returns the last ticket and every change's result.
 */
export async function runBatches(
  deps: JobDeps,
  ticket: JobTicket,
  lease: HeldLease,
  options: BatchOptions,
): Promise<{ ticket: JobTicket; result: ApplyResult; stopReason?: string }> {
  const result: ApplyResult = { applied: [], failed: [], held: [], superseded: [] };
  const merge = (r: ApplyResult) => {
    result.applied.push(...r.applied);
    result.failed.push(...r.failed);
    result.held.push(...r.held);
    result.superseded.push(...r.superseded);
  };
  let current = ticket;
  while (!current.done) {
    try {
      // In one process nothing is billed for waiting: a short window (≤ 1 min) is waited out within
      // the batch; a longer one ends it, and the next batch reads the Hub again.
      current = await applyBatch(deps, current, { maxInlineWaitMs: IN_PROCESS_INLINE_WAIT_MS, ...options, lease, onSlice: merge });
    } catch (error) {
      // Another run has the lease now: this one stops where it is (its last checkpoint), writing nothing more.
      if (error instanceof LeaseLostError) return { ticket: current, result, stopReason: describeError(error) };
      throw error;
    }
    if (current.done) break;
    if (current.stoppedBy === 'deadline') return { ticket: current, result, stopReason: "the run's deadline came" };
    const waitMs = current.waitMs ?? current.waitSeconds * 1000;
    if (waitMs >= timeLeft() - 1_000)
      return { ticket: current, result, stopReason: `the rate-limit window resets in ${current.waitSeconds} s, after the run's deadline` };
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return { ticket: current, result };
}
