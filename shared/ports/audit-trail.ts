import type { Access, ChangeAction, Effect, PlanScope, PlanSummary } from '../domain/plan.js';
import type { ManagedMember } from '../domain/types.js';
import type { RunOutcome } from '../domain/run-outcome.js';
import type { CiExchangeFacts } from '../domain/ci-access.js';
import type { OutboxEntry } from './event-claims.js';

/** Who or what started a run, for the audit trail. */
/** `ci`: the ci-token broker and its sweeper (CI jobs' token exchanges). */
export type Trigger = 'cli' | 'schedule' | 'invoke' | 'event' | 'ci';

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

/** Runs and their changes: the audit trail. An applied change's record settles its member's state in the same write. */
export interface AuditTrail {
  putRun(run: RunRecord): Promise<void>;
  /** Records a change; `also` — staged outcome events, the run's own record — goes in the same write. */
  putChange(change: ChangeRecord, also?: { outbox?: readonly OutboxEntry[]; run?: RunRecord }): Promise<void>;
  /** The change's record and its member's new state (`ManagedMembers.saveManaged`) in one request: how an applied change is settled. */
  putChangeAndMember(change: ChangeRecord, member: ManagedMember): Promise<void>;
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
  /** Newest first. */
  listChanges(query: AuditQuery): Promise<ChangeRecord[]>;
  /** One change of one run, or null. */
  getChange(runId: string, seq: number): Promise<ChangeRecord | null>;
  /** The audit records of one run with seq in [fromSeq, toSeq]. */
  listRunChanges(runId: string, fromSeq: number, toSeq: number): Promise<ChangeRecord[]>;
  getRun(runId: string): Promise<RunRecord | null>;
  /** The newest run of the organization that finished (any outcome), or null. */
  lastFinishedRun(organization: string): Promise<RunRecord | null>;
}
