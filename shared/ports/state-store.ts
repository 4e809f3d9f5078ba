import type { Access, Change, ChangeAction, Effect, PlanScope, PlanSummary } from '../domain/plan.js';
import type { IssuedToken, ManagedMember } from '../domain/types.js';

/** Who or what started a run, for the audit trail. */
/** `ci`: the ci-token broker and its sweeper (CI jobs' token exchanges). */
export type Trigger = 'cli' | 'schedule' | 'invoke' | 'event' | 'ci';

/**
 * `stopped`: an org run that ended before its last batch (stopped, its lease lost, its retries spent); `apply --resume RUN` continues
 * it.
 */
import type { RunOutcome } from '../domain/run-outcome.js';
import type { CiExchangeFacts } from '../domain/ci-access.js';

export type { RunOutcome };

export interface RunRecord {
  runId: string;
  organization: string;
  trigger: Trigger;
  actor: string;
  scope: PlanScope;
  startedAt: string;
  finishedAt?: string;
  outcome?: RunOutcome;
  planSummary?: PlanSummary;
  applied?: number;
  failed?: number;
  error?: string;
  /** The last `apply --resume` (or resumed execution) of a stopped run: when and by whom. */
  resumedAt?: string;
  resumedBy?: string;
}

/** The Okta event behind a change: its System Log uuid and publication time. */
export interface OktaCause {
  uuid: string;
  published: string;
}

export interface ChangeRecord {
  runId: string;
  seq: number;
  organization: string;
  user: string;
  oktaUserId: string | null;
  /**
   * A plan's change, or an operator's act: `break-lease` (unlock), `allow-removals` (a one-run guard override);
   * or the broker's: `ci-token-issue` (an exchange, issued or refused), `ci-token-delete` (at its TTL), `ci-token-revoke` (by hand).
   */
  action: ChangeAction | 'break-lease' | 'allow-removals' | 'ci-token-issue' | 'ci-token-delete' | 'ci-token-revoke';
  effect: Effect | 'none';
  before: Access | null;
  after: Access | null;
  reasons: string[];
  /** `revoke-token` only: which token (id, last four characters, label), never its value. */
  token?: { tokenId: string; last4: string; label: string };
  /** `ci-token-*` only: the policy, the claims that matched (or were refused), the token's id and last four (never its value). */
  ci?: CiExchangeFacts;
  /** `suspend-credential` only: which token-exchange credential (its secret's name, never a value). */
  credential?: { name: string; secret: string };
  trigger: Trigger;
  actor: string;
  /** An offboarding's (a person run's) Okta cause: the System Log event that started it, and when Okta published it. */
  oktaEvent?: OktaCause;
  /** `started` is written before the Hub call, so a crash mid-call still leaves a trace. */
  /** `superseded`: an org run's change not written because an offboarding decided about the member later. */
  outcome: 'started' | 'applied' | 'failed' | 'held' | 'superseded';
  error?: string;
  /** Why an `applied` change needed no Hub call (the Hub already showed it when the run came back to it). */
  note?: string;
  at: string;
}

/** A question to the audit trail: newest first, within [since, until), optionally narrowed. */
export interface AuditQuery {
  organization: string;
  user?: string;
  since?: string;
  until?: string;
  trigger?: Trigger;
  outcome?: ChangeRecord['outcome'];
  limit: number;
}

/**
 * An outcome event waiting to be published (the outbox): staged `pending` before the run writes
 * to the Hub, `ready` once its change is applied, deleted once the bus accepted it.
 */
export interface OutboxEntry {
  /** `<user>#<runId>`: one per person offboarded by a run. */
  id: string;
  organization: string;
  runId: string;
  user: string;
  /** The changes (by seq in the run) whose outcome decides whether the event is true. */
  seqs: number[];
  status: 'pending' | 'ready';
  /** Pending only: the staging invocation's deadline; after it, the change's fate is checked. */
  until: string;
  /** Being published by an invocation until then (a claim; see claimOutbox). */
  publishingUntil?: string;
  event: { detailType: string; detail: Record<string, unknown> };
}

/** How the settled changes of a stored plan ended (their audit records say the same, one by one). */
export interface JobCounts {
  applied: number;
  failed: number;
  held: number;
  superseded: number;
}

/**
 * An org run's plan, stored for its batches (shared/reconcile/job.ts): the changes in apply order,
 * in chunks (`RUN#{runId} / PLAN#{n}`), and this header (`RUN#{runId} / PLAN`), written last.
 */
export interface StoredPlan {
  runId: string;
  organization: string;
  /** The lease owner allowed to apply it now: the first executor, or whoever resumed it last. */
  owner: string;
  total: number;
  /** Where each stored chunk starts (the index of its first change): chunks are cut at 200 changes or 300 KB. */
  chunkStarts: number[];
  /** Changes before `cursor` (in stored order) are settled; the next batch starts there. */
  cursor: number;
  counts: JobCounts;
  batches: number;
  /** When the plan's Okta and Hub reads began (member holds compare decisions by it). */
  readAtMs: number;
  summary: PlanSummary;
  /** Changes a guard held back when the plan was made (the run ends `blocked` when nothing else went wrong). */
  blocked: number;
  status: 'applying' | 'finished';
  updatedAt: string;
}

export type MemberHoldAnswer = 'held' | { heldBy: string; until: string } | { decidedAtMs: number; by: string };

/**
 * Our own state and audit trail. It records what we manage and what we did; it never stands in
 * for reading Okta or the Hub.
 */
export interface StateStore {
  /** Takes the per-organization lease, or throws `LeaseHeldError`. An expired lease is taken over. */
  acquireLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  /** Extends `owner`'s reconcile lease; throws `LeaseLostError` when another run holds it now. */
  renewLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  /** An operator breaks the lease of run `owner` (gone, not yet expired); `ConflictError` if `owner` does not hold it. */
  breakLease(organization: string, owner: string): Promise<{ expiresAt: string }>;
  /** The same for a credential's rotation lease. */
  breakCredentialLease(credential: string, owner: string): Promise<{ expiresAt: string }>;
  /** Releases the lease if `owner` still holds it; otherwise does nothing. */
  releaseLease(organization: string, owner: string): Promise<void>;
  /**
   * Holds one Hub member for `owner` (see shared/reconcile/member-holds.ts) whose decision rests on
   * a read made at `readAtMs`: `held`, or who holds it now, or — nobody holds it but a run that read
   * later already decided about this member — that decision's read time.
   */
  holdMember(organization: string, user: string, owner: string, ttlMs: number, now: Date, readAtMs: number): Promise<MemberHoldAnswer>;
  /** Extends `owner`'s hold; `LeaseLostError` when it is no longer `owner`'s. */
  renewMemberHold(organization: string, user: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  /** Gives the hold back if `owner` has it; the decision's read time stays. */
  releaseMemberHold(organization: string, user: string, owner: string): Promise<void>;
  listManaged(organization: string): Promise<ManagedMember[]>;
  getManaged(organization: string, user: string): Promise<ManagedMember | null>;
  saveManaged(organization: string, member: ManagedMember): Promise<void>;
  /** Hub usernames our state ever linked to this Okta user in the organization (also after the link moved). */
  findLinkedMembers(organization: string, oktaUserId: string): Promise<string[]>;
  /** `putChange` and `saveManaged` in one request: how an applied change is settled. */
  putChangeAndMember(change: ChangeRecord, member: ManagedMember): Promise<void>;
  putRun(run: RunRecord): Promise<void>;
  /**
   * A finished run's record together with the outbox entries its outcome settles (`put` ready,
   * `drop` by id) and its applied changes' records with their members' new state: one write, so an
   * applied offboarding is never recorded finished without its outcome event, nor the other way
   * round. None is conditional.
   */
  finishRun(
    run: RunRecord,
    outbox: { put: readonly OutboxEntry[]; drop: readonly string[] },
    applied?: ReadonlyArray<{ change: ChangeRecord; member: ManagedMember }>,
  ): Promise<void>;
  /** Records a change; `also` — staged outcome events, the run's own record — goes in the same write. */
  putChange(change: ChangeRecord, also?: { outbox?: readonly OutboxEntry[]; run?: RunRecord }): Promise<void>;
  /** Newest first. */
  listChanges(query: AuditQuery): Promise<ChangeRecord[]>;
  /** One change of one run, or null. */
  getChange(runId: string, seq: number): Promise<ChangeRecord | null>;
  getRun(runId: string): Promise<RunRecord | null>;
  /** The newest run of the organization that finished (any outcome), or null. */
  lastFinishedRun(organization: string): Promise<RunRecord | null>;
  /**
   * Claims an Okta event id for processing until `until` (the claiming invocation's deadline; a
   * conditional write). `done` when it was processed already; `in-progress` while another
   * invocation's claim lasts. A claim past its `until` is taken over.
   */
  claimEvent(uuid: string, source: string, now: Date, until: Date): Promise<'claimed' | 'done' | 'in-progress'>;
  /**
   * Ends claims, batched: `done` events are marked processed (the record expires (TTL) after a
   * week); `released` ones are given back after a failure, so a retry or another way in can process them.
   */
  finishEvents(done: readonly string[], released: readonly string[], now: Date): Promise<void>;
  /** Records a token this system issued for a person (its id and last four characters only). */
  recordIssuedToken(organization: string, token: IssuedToken): Promise<void>;
  /** Active issued tokens, of everyone or of one Okta user. */
  listIssuedTokens(organization: string, oktaUserId?: string): Promise<IssuedToken[]>;
  markTokenRevoked(organization: string, token: { tokenId: string; oktaUserId: string }, now: Date): Promise<void>;
  /** Throws unless the table answers (and is active). */
  checkReachable(): Promise<void>;
  /** Marks a token-exchange credential suspended (its subject was offboarded): rotate-tokens revokes its tokens. */
  suspendCredential(credential: string, record: { runId: string; user: string; reason: string }, now: Date): Promise<void>;
  /** Names of the suspended credentials. */
  listSuspendedCredentials(credentials: readonly string[]): Promise<string[]>;
  /** What the last applying org run learnt from the Hub: the SCIM-managed resource groups (ids). */
  getScimManagedResourceGroups(organization: string): Promise<string[] | null>;
  putScimManagedResourceGroups(organization: string, ids: readonly string[], now: Date): Promise<void>;
  /** Puts an outbox entry (staged or ready). */
  putOutbox(entry: OutboxEntry): Promise<void>;
  /** The outbox of the organization (oldest runs first per person), or of one person. */
  listOutbox(organization: string, user?: string): Promise<OutboxEntry[]>;
  /** Takes a ready entry to publish it until `until` (a conditional write): false when another invocation has it. */
  claimOutbox(organization: string, id: string, until: Date, now: Date): Promise<boolean>;
  /** Deletes outbox entries (published or dropped), batched. */
  deleteOutbox(organization: string, ids: readonly string[]): Promise<void>;
  /** A named cursor (the System Log poll's next link), or null before the first poll. */
  getCursor(name: string): Promise<string | null>;
  putCursor(name: string, value: string, now: Date): Promise<void>;
  /** Stores an org run's plan: every chunk of changes (apply order), then the header. */
  putStoredPlan(plan: StoredPlan, chunks: readonly Change[][]): Promise<void>;
  getStoredPlan(runId: string): Promise<StoredPlan | null>;
  /** Chunk `index` of a stored plan's changes. */
  getStoredPlanChunk(runId: string, index: number): Promise<Change[]>;
  /**
   * Moves a stored plan on (a checkpoint) — only while `owner` is its owner and its cursor is still
   * `fromCursor`; `LeaseLostError` otherwise (another executor has it now).
   */
  advanceStoredPlan(
    runId: string,
    owner: string,
    fromCursor: number,
    next: Pick<StoredPlan, 'cursor' | 'counts' | 'batches' | 'status'>,
    now: Date,
  ): Promise<void>;
  /** Makes `owner` the stored plan's owner (a resume, after taking the org lease); refused once it is finished. */
  takeOverStoredPlan(runId: string, owner: string, now: Date): Promise<void>;
  /** The audit records of one run with seq in [fromSeq, toSeq]. */
  listRunChanges(runId: string, fromSeq: number, toSeq: number): Promise<ChangeRecord[]>;
}
