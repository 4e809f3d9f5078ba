import { runOutcome, type RunOutcome } from '../domain/run-outcome.js';
import type { Change } from '../domain/plan.js';
import type { RunRecord } from '../ports/audit-trail.js';
import type { Config } from '../runtime/config.js';
import { runDeadline, withDeadline } from '../runtime/deadline.js';
import { describeError } from '../runtime/errors.js';
import { mapLimit } from '../runtime/map-limit.js';
import { applyPlan, assertApplyable, type ApplyResult } from './apply-plan.js';
import { holdMember } from './member-holds.js';
import { takeLease, type ReconcilePorts } from './reconcile.js';
import type { SavedPlan } from './saved-plan.js';
import { stillValid } from '../domain/still-valid.js';

/**
 * `apply FILE`: a reviewed plan, applied exactly. Nothing is planned: each change's member is read
 * again and compared with the change's `before`; a change whose member moved since the plan was
 * made is refused with how it moved and who moved it (a run of ours, from the audit trail, or
 * someone on the Hub), and the others are applied under the same lease, member holds and audit
 * trail as any run — or none, with `allOrNothing`.
 */

export interface SavedApplyRequest {
  actor: string;
  allOrNothing: boolean;
  deadline?: number;
}

interface StaleChange {
  change: Change;
  reason: string;
}

export interface SavedApplyOutcome {
  runId: string;
  outcome: RunOutcome;
  stale: StaleChange[];
  result?: ApplyResult;
}

export async function applySavedPlan(
  ports: ReconcilePorts,
  config: Config,
  saved: SavedPlan,
  request: SavedApplyRequest,
): Promise<SavedApplyOutcome> {
  const deadline = runDeadline(request.deadline);
  return withDeadline(deadline, () => run(ports, config, saved, { ...request, deadline }));
}

async function whoChanged(ports: ReconcilePorts, saved: SavedPlan, user: string): Promise<string> {
  const since = await ports.state.listChanges({
    organization: saved.plan.organization,
    user,
    since: saved.createdAt,
    outcome: 'applied',
    limit: 1,
  });
  const last = since[0];
  return last
    ? `changed by hf-iam-sync run ${last.runId} (${last.trigger}, ${last.actor}) at ${last.at}`
    : 'changed outside hf-iam-sync (on the Hub, or by another tool)';
}

/** The changes whose member is not as the plan saw them (moved, or already changed): a reviewed plan is applied exactly as reviewed. */
async function staleChanges(ports: ReconcilePorts, saved: SavedPlan): Promise<StaleChange[]> {
  const users = [...new Set(saved.plan.changes.map((c) => c.user.toLowerCase()))];
  const now = new Map(await mapLimit(users, 8, async (user) => [user, await ports.hub.findMember(user)] as const));
  const stale: StaleChange[] = [];
  for (const change of saved.plan.changes) {
    if (change.action === 'revoke-token' || change.action === 'suspend-credential') continue; // not a member's access
    const validity = stillValid(change, now.get(change.user.toLowerCase()) ?? null);
    if (validity.kind !== 'unchanged')
      stale.push({
        change,
        reason: `${validity.reason}; ${await whoChanged(ports, saved, change.user)}. Not applied: make and review a new plan`,
      });
  }
  return stale;
}

async function run(
  ports: ReconcilePorts,
  config: Config,
  saved: SavedPlan,
  request: SavedApplyRequest & { deadline: number },
): Promise<SavedApplyOutcome> {
  assertApplyable(saved.plan);
  const org = config.policy.organization;
  const runId = ports.newRunId();
  const lease = await takeLease(ports, org, runId, { deadline: request.deadline });
  const record: RunRecord = {
    runId,
    organization: org,
    trigger: 'cli',
    actor: request.actor,
    scope: saved.plan.scope,
    startedAt: ports.clock().toISOString(),
  };
  try {
    await ports.state.putRun(record);
    const readAtMs = ports.clock().getTime();
    const stale = await staleChanges(ports, saved);
    const finished = (outcome: RunOutcome, extra: Partial<RunRecord> = {}) =>
      ports.state.putRun({ ...record, finishedAt: ports.clock().toISOString(), outcome, planSummary: saved.plan.summary, ...extra });
    if (stale.length > 0 && request.allOrNothing) {
      await finished('aborted', { error: `--all-or-nothing: ${stale.length} change(s) are stale, none applied` });
      return { runId, outcome: 'aborted', stale };
    }
    const staleIds = new Set(stale.map((s) => s.change.id));
    const fresh = { ...saved.plan, changes: saved.plan.changes.filter((c) => !staleIds.has(c.id)) };
    const result = await applyPlan(fresh, ports.hub, ports.state, {
      runId,
      trigger: 'cli',
      actor: request.actor,
      clock: ports.clock,
      beforeWrite: (change) => lease.confirm(`change ${change.id}`),
      hold: (change) => holdMember(ports.state, ports.clock, org, runId, change.user, readAtMs, { deadline: request.deadline }),
    });
    // A stale or superseded change of a reviewed plan is a refused one: the plan is not what was approved for it.
    const outcome: RunOutcome = runOutcome({
      planned: fresh.changes.length,
      applied: result.applied.length,
      failed: result.failed.length + stale.length + result.superseded.length,
      held: result.held.length,
      blocked: 0,
    });
    await finished(outcome, {
      applied: result.applied.length,
      failed: result.failed.length + stale.length,
      ...(stale.length ? { error: `${stale.length} stale change(s) refused` } : {}),
    });
    return { runId, outcome, stale, result };
  } catch (error) {
    await ports.state
      .putRun({ ...record, finishedAt: ports.clock().toISOString(), outcome: 'aborted', error: describeError(error) })
      .catch(() => undefined);
    throw error;
  } finally {
    await lease.release();
  }
}
