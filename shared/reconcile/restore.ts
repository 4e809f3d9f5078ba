import { effectOf, sameAccess } from '../domain/access.js';
import { computePlan, planOf, type PlanInputs } from '../domain/compute-plan.js';
import type { Access, Change, Plan } from '../domain/plan.js';
import { userKey } from '../domain/roles.js';
import type { ChangeRecord } from '../ports/audit-trail.js';
import type { Config } from '../runtime/config.js';
import { InputError } from '../runtime/errors.js';
import { reconcile, type ReconcileOutcome, type ReconcilePorts } from './reconcile.js';

/**
 * `restore --change RUN/SEQ`: puts a member back to the access a recorded change took away (a
 * mistaken removal or demotion), now, as a run of its own — under the lease, the guards and the
 * audit trail, with the reason given. It reads the member first and says when the next reconcile
 * would undo the restore (Okta does not entitle them to it): fix Okta, or protect the member.
 */

export interface RestoreRequest {
  runId: string;
  seq: number;
  reason: string;
  actor: string;
}

export async function restoreChange(
  ports: ReconcilePorts,
  config: Config,
  request: RestoreRequest,
): Promise<ReconcileOutcome & { undoneByNextRun: string | null }> {
  if (!request.reason.trim()) throw new InputError('restore needs --reason "…": why the change is undone goes to the audit trail');
  const record = await ports.state.getChange(request.runId, request.seq);
  const ref = `${request.runId}/${request.seq}`;
  if (!record) throw new InputError(`No change ${ref} in the audit trail (hf-iam-sync audit shows each change's run and number)`);
  if ((record.action !== 'remove' && record.action !== 'set-role') || record.outcome !== 'applied' || !record.before) {
    throw new InputError(`Change ${ref} is a ${record.outcome} ${record.action}: only an applied removal or role change can be restored`);
  }
  const restoring = restoringPlan(record, record.before, ref, request.reason.trim());
  const outcome = await reconcile(ports, config, {
    dryRun: false,
    scope: { kind: 'user', user: record.user },
    trigger: 'cli',
    actor: request.actor,
    approval: { plan: restoring.plan },
  });
  return { ...outcome, undoneByNextRun: restoring.undoneByNextRun() };
}

/**
 * The restore's plan, from what the run read: the member set back to `target`, or nothing when they
 * are there already; and what the next ordinary run would do to them instead (null: nothing).
 */
function restoringPlan(record: ChangeRecord, target: Access, ref: string, reason: string) {
  let undoneByNextRun: string | null = null;
  const plan = (inputs: PlanInputs): Plan => {
    const member = inputs.hub.members.find((m) => userKey(m.user) === userKey(record.user));
    if (!member) {
      return planOf(
        inputs,
        [],
        [
          {
            severity: 'error',
            code: 'not-a-member',
            summary: `${record.user} is not a member of ${inputs.policy.organization} any more`,
            detail: "A restore sets a member's role; invite the person first.",
          },
        ],
      );
    }
    const now: Access = { role: member.role, resourceGroups: member.resourceGroups };
    const usual = computePlan(inputs).changes.find((c) => userKey(c.user) === userKey(record.user));
    if (!usual || !sameAccess(usual.after ?? now, target)) {
      undoneByNextRun = usual
        ? `${usual.action}${usual.after ? ` → ${usual.after.role}` : ''} (${usual.reasons.join('; ')})`
        : `set ${record.user} back to ${now.role} (Okta does not entitle them to what is restored)`;
    }
    if (sameAccess(now, target)) return planOf(inputs, []);
    const change: Change = {
      id: `restore:${userKey(record.user)}`,
      action: 'set-role',
      user: member.user,
      oktaUserId: record.oktaUserId,
      oktaLogin: null,
      oktaEmail: null,
      before: now,
      after: target,
      effect: effectOf(now, target),
      reasons: [`restores change ${ref} (${record.action} at ${record.at}) by hand: ${reason}`],
    };
    return planOf(inputs, [change]);
  };
  return { plan, undoneByNextRun: () => undoneByNextRun };
}
