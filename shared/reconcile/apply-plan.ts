import { isDecrease, NO_ACCESS } from '../domain/access.js';
import type { Change, Plan } from '../domain/plan.js';
import { scimName } from '../domain/scim.js';
import type { HubOrg } from '../ports/hub-org.js';
import type { AuditTrail, ChangeRecord, OktaCause, RunRecord, Trigger } from '../ports/audit-trail.js';
import type { OutboxEntry } from '../ports/event-claims.js';
import type { IssuedTokens } from '../ports/issued-tokens.js';
import type { ManagedMember } from '../domain/types.js';
import { PlanNotApplyableError, SupersededError, describeError } from '../runtime/errors.js';
import { mapLimit } from '../runtime/map-limit.js';
import { timeLeft } from '../runtime/deadline.js';

/**
 * applyPlan — the only loop that changes the Hub. It executes exactly `plan.changes`, keeps going
 * past a failed change, and returns per-change results instead of throwing mid-way.
 *
 * Order (PHASES): leavers who are not admins first, then grants and upgrades, then demotions, then
 * admins' removals — so leavers lose access before anything else, and a promotion to admin lands
 * before an admin is demoted or removed. Each change is bracketed by audit writes:
 *
 *   put CHANGE (started) ─► Hub call ─► put CHANGE (applied | failed) + put MEMBER (if applied)
 *
 * If the first audit write fails the change is not attempted (no unrecorded change to the Hub).
 * A crash between the Hub call and the second write leaves a `started` record: the next plan
 * re-reads the Hub and shows what really happened.
 */

export interface ApplyContext {
  runId: string;
  trigger: Trigger;
  actor: string;
  /** Written on every change record of the run (an offboarding's Okta event). */
  oktaEvent?: OktaCause;
  clock: () => Date;
  /** Parallel Hub calls within one phase. */
  concurrency?: number;
  /**
   * Called before each change's first write; throwing stops the run there (its lease was lost or
   * its deadline passed): that change and every later one are reported failed, not attempted.
   */
  beforeWrite?: (change: Change) => Promise<void>;
  /**
   * Asked before each loss (removal, demotion, revocation) is written: null when a fresh read of
   * that person alone agrees, else why it does not — then the change is held, not written.
   */
  confirmLoss?: (change: Change) => Promise<string | null>;
  /**
   * Org runs: holds the change's member around its write (see member-holds.ts). A `SupersededError`
   * means a run that read later (an offboarding) decided about the member since: the change is
   * recorded `superseded` and not written.
   */
  hold?: (change: Change) => Promise<{ release(): Promise<void> }>;
  /**
   * Asked, while the member is held, before a change is written: null to write it, or — the Hub no
   * longer shows what the plan was made from — what to do instead: `applied` (the Hub already shows
   * the planned access: an earlier attempt wrote it) or `superseded` (someone changed the member
   * since; never overwritten with the old decision).
   */
  recheck?: (change: Change) => Promise<{ outcome: 'applied' | 'superseded'; reason: string } | null>;
  /**
   * What to record with the change's `started` record, in the same write, so that it is in the
   * table before the change's first Hub call: staged outcome events (offboarding/outbox.ts), the
   * run's own record (a person run's).
   */
  alsoRecord?: (change: Change) => { outbox?: OutboxEntry[]; run?: RunRecord };
  /**
   * A person run: an applied change's record and the member's new state are handed here instead of
   * written one change at a time — the run writes them with its finished record. (Until then the
   * change shows `started`, which a reader checks against the Hub, as after a crash.)
   */
  keepApplied?: (applied: ChangeRecord, member: ManagedMember) => void;
  /** The audit seq of a change (a stored plan's numbering); default its place in `plan.changes`, from 1. */
  seqOf?: (change: Change) => number;
  /** Called after each change with how many are done; for a progress line on a terminal. */
  onProgress?: (done: number, total: number) => void;
}

/** What applyPlan is given: the changes to apply (a plan's, a stored plan's slice, a reviewed plan's fresh ones) and their organization. */
export interface ChangeSet {
  organization: string;
  changes: readonly Change[];
}

/** Refuses a plan with errors (a rule's group missing, an incomplete read): none of its changes may be applied. */
export function assertApplyable(plan: Pick<Plan, 'errored' | 'diagnostics'>): void {
  if (plan.errored) throw new PlanNotApplyableError(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary));
}

interface ChangeResult {
  changeId: string;
  user: string;
  action: Change['action'];
  outcome: 'applied' | 'failed' | 'held' | 'superseded';
  error?: string;
  /** Applied without a Hub call: the Hub already showed the planned access (see `recheck`). */
  already?: true;
}

export interface ApplyResult {
  applied: ChangeResult[];
  failed: ChangeResult[];
  /** Losses not confirmed by a read of the person alone (an inconsistent read): not written. */
  held: ChangeResult[];
  /** Changes a fresher decision about the same member made obsolete (an offboarding meanwhile): not written. */
  superseded: ChangeResult[];
}

/**
 * Leavers first, and an organization that stays administered at every point of the run:
 *   1. removals of people who are not admins (leavers lose access before anything else happens)
 *   2. grants and upgrades (new admins among them)
 *   3. demotions and mixed changes (an admin demoted only after the admin grants)
 *   4. removals of admins (after the admin grants, for the same reason)
 */
const PHASES: Array<(c: Change) => boolean> = [
  (c) => c.effect === 'revoke' && c.before?.role !== 'admin',
  (c) => c.effect === 'grant' || c.effect === 'upgrade',
  (c) => c.effect === 'mixed' || c.effect === 'downgrade',
  (c) => c.effect === 'revoke' && c.before?.role === 'admin',
];

/** The changes in the order they are applied (PHASES; the plan's order within a phase). */
export function applyOrder(changes: readonly Change[]): Change[] {
  return PHASES.flatMap((inPhase) => changes.filter(inPhase));
}

async function execute(hub: HubOrg, state: AuditTrail & IssuedTokens, change: Change, context: ApplyContext): Promise<void> {
  switch (change.action) {
    case 'set-role':
    case 'remove':
      return hub.setAccess(change.user, change.after ?? NO_ACCESS);
    case 'scim-invite':
      return hub.scimInvite({
        username: change.user,
        email: change.oktaEmail ?? change.oktaLogin ?? '',
        externalId: change.oktaUserId ?? '',
        ...(change.name ?? scimName({ login: change.oktaLogin ?? change.user }, change.user)),
      });
    case 'scim-deactivate':
      return hub.scimDeactivate(change.user);
    case 'scim-delete':
      return hub.scimDelete(change.user);
    case 'revoke-token':
      return hub.revokeOrgToken(change.token!.tokenId);
    case 'suspend-credential':
      // The token's value is only rotate-tokens' to read: it revokes it on its next run (which the
      // MemberOffboarded event starts at once in AWS).
      return state.suspendCredential(
        change.credential!.name,
        { runId: context.runId, user: change.user, reason: change.reasons.join('; ') },
        context.clock(),
      );
  }
}

/**
 * @example const { applied, failed } = await applyPlan(plan, hub, state, { runId, trigger: 'cli', actor: 'alice', clock: () => new
 * Date() })
 */
export async function applyPlan(
  plan: ChangeSet,
  hub: HubOrg,
  state: AuditTrail & IssuedTokens,
  context: ApplyContext,
): Promise<ApplyResult> {
  const application = new Application(plan, hub, state, context);
  let done = 0;
  const one = async (change: Change) => {
    await application.attempt(change);
    done += 1;
    context.onProgress?.(done, plan.changes.length);
  };
  try {
    for (const inPhase of PHASES) {
      await mapLimit(plan.changes.filter(inPhase), context.concurrency ?? 4, one);
    }
  } finally {
    await Promise.all(application.releases);
  }
  return application.result;
}

type Unsettled = Omit<ChangeRecord, 'outcome' | 'at'>;

/** One applyPlan call: each change through its checks, its two audit writes and its Hub call. */
class Application {
  readonly result: ApplyResult = { applied: [], failed: [], held: [], superseded: [] };
  /** Member holds being given back (all are awaited before the run ends). */
  readonly releases: Array<Promise<void>> = [];
  readonly #seqOf: Map<string, number>;

  constructor(
    readonly plan: ChangeSet,
    readonly hub: HubOrg,
    readonly state: AuditTrail & IssuedTokens,
    readonly context: ApplyContext,
  ) {
    this.#seqOf = new Map(plan.changes.map((c, i) => [c.id, context.seqOf?.(c) ?? i + 1]));
  }

  #record(change: Change): Unsettled {
    const { context } = this;
    return {
      runId: context.runId,
      seq: this.#seqOf.get(change.id)!,
      organization: this.plan.organization,
      user: change.user,
      oktaUserId: change.oktaUserId,
      action: change.action,
      effect: change.effect,
      before: change.before,
      after: change.after,
      reasons: change.reasons,
      trigger: context.trigger,
      actor: context.actor,
      ...(context.oktaEvent ? { oktaEvent: context.oktaEvent } : {}),
      ...(change.token ? { token: change.token } : {}),
      ...(change.credential ? { credential: change.credential } : {}),
    };
  }

  #outcome(list: 'failed' | 'held' | 'superseded', change: Change, error: string): void {
    this.result[list].push({ changeId: change.id, user: change.user, action: change.action, outcome: list, error });
  }

  /** A change not written (held, superseded, failed after its call): recorded so, best effort. */
  async #recordNotApplied(record: Unsettled, outcome: 'failed' | 'held' | 'superseded', error: string): Promise<void> {
    await this.state.putChange({ ...record, outcome, error, at: this.context.clock().toISOString() }).catch(() => undefined);
  }

  /** The run's fence, then the member's hold, then the write; the hold is given back without waiting. */
  async attempt(change: Change): Promise<void> {
    const record = this.#record(change);
    try {
      await this.context.beforeWrite?.(change);
    } catch (error) {
      return this.#outcome('failed', change, `not attempted: ${describeError(error)}`);
    }
    let hold: { release(): Promise<void> } | undefined;
    try {
      hold = await this.context.hold?.(change);
    } catch (error) {
      if (!(error instanceof SupersededError)) return this.#outcome('failed', change, `not attempted: ${describeError(error)}`);
      this.#outcome('superseded', change, error.message);
      return this.#recordNotApplied(record, 'superseded', error.message);
    }
    try {
      await this.#write(change, record);
    } finally {
      if (hold) this.releases.push(hold.release());
    }
  }

  /** Under the member's hold: the stale-plan check, the loss confirmation, then `started` → Hub call → settled. */
  async #write(change: Change, record: Unsettled): Promise<void> {
    let recheck: Awaited<ReturnType<NonNullable<ApplyContext['recheck']>>>;
    try {
      recheck = (await this.context.recheck?.(change)) ?? null;
    } catch (error) {
      return this.#outcome('failed', change, `not attempted: the member could not be checked against the plan (${describeError(error)})`);
    }
    if (recheck?.outcome === 'superseded') {
      this.#outcome('superseded', change, recheck.reason);
      return this.#recordNotApplied(record, 'superseded', recheck.reason);
    }
    if (recheck?.outcome === 'applied') return this.#settle(change, record, recheck.reason);
    if (this.context.confirmLoss && isDecrease(change.effect)) {
      let disagreement: string | null;
      try {
        disagreement = await this.context.confirmLoss(change);
      } catch (error) {
        // The deadline cut the confirming read: nothing was decided, the next batch or run confirms it again.
        if (timeLeft() <= 0)
          return this.#outcome(
            'failed',
            change,
            `not settled: the run's deadline came during the loss's confirmation (${describeError(error)})`,
          );
        disagreement = `it could not be confirmed: ${describeError(error)}`;
      }
      if (disagreement) {
        this.#outcome('held', change, disagreement);
        return this.#recordNotApplied(record, 'held', disagreement);
      }
    }
    try {
      await this.state.putChange(
        { ...record, outcome: 'started', at: this.context.clock().toISOString() },
        this.context.alsoRecord?.(change),
      );
    } catch (error) {
      return this.#outcome('failed', change, `not attempted: the audit record could not be written (${describeError(error)})`);
    }
    try {
      await execute(this.hub, this.state, change, this.context);
    } catch (error) {
      // The run's deadline came before the call was sent, or during it (its outcome unknown): the `started`
      // record stays, as after a crash, and the next batch or run reads the member again before writing.
      if (timeLeft() <= 0)
        return this.#outcome('failed', change, `not settled: the run's deadline came before or during the call (${describeError(error)})`);
      this.#outcome('failed', change, describeError(error));
      return this.#recordNotApplied(record, 'failed', describeError(error));
    }
    await this.#settle(change, record);
  }

  /** The Hub shows the change: record it applied, and what we now manage. */
  async #settle(change: Change, record: Unsettled, already?: string): Promise<void> {
    const { context, state } = this;
    this.result.applied.push({
      changeId: change.id,
      user: change.user,
      action: change.action,
      outcome: 'applied',
      ...(already ? { already: true as const } : {}),
    });
    const at = context.clock().toISOString();
    const after = change.after ?? NO_ACCESS;
    // The Hub change is done; a failed bookkeeping write must not turn it into a reported failure.
    const applied: ChangeRecord = { ...record, outcome: 'applied', at, ...(already ? { note: already } : {}) };
    if (change.action === 'suspend-credential') {
      await state.putChange(applied).catch(() => undefined);
    } else if (change.action === 'revoke-token') {
      const token = { tokenId: change.token!.tokenId, oktaUserId: change.oktaUserId ?? '' };
      await Promise.allSettled([state.putChange(applied), state.markTokenRevoked(this.plan.organization, token, context.clock())]);
    } else {
      const member: ManagedMember = {
        user: change.user,
        oktaUserId: change.oktaUserId,
        role: after.role,
        resourceGroups: after.resourceGroups,
        lastSyncedAt: at,
        // A removal remembers what it took, so a re-entitled person gets back what no rule manages.
        ...(change.action === 'remove' && change.before ? { removed: { ...change.before, runId: context.runId, at } } : {}),
      };
      if (context.keepApplied) context.keepApplied(applied, member);
      else await state.putChangeAndMember(applied, member).catch(() => undefined);
    }
  }
}
