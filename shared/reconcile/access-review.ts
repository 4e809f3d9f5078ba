import { reviewAccess, type AccessReview, type ReviewChange } from '../domain/access-review.js';
import { computePlan } from '../domain/compute-plan.js';
import { userKey } from '../domain/roles.js';
import type { Config } from '../runtime/config.js';
import { runDeadline, withDeadline } from '../runtime/deadline.js';
import { mapLimit } from '../runtime/map-limit.js';
import { readInputs } from './read-inputs.js';
import type { ReconcilePorts } from './reconcile.js';

/**
 * The access review as a use case: one organization read (as a plan's), the plan (so the review
 * says who is not in line with Okta), and each member's last change from our audit trail. Reads
 * only; writes nothing.
 */
export async function runAccessReview(ports: ReconcilePorts, config: Config, deadline?: number): Promise<AccessReview> {
  return withDeadline(runDeadline(deadline), async () => {
    const inputs = await readInputs(ports, config, { kind: 'organization' });
    const plan = computePlan(inputs);
    const last = await mapLimit(inputs.hub.members, 16, async (member) => {
      const [change] = await ports.state.listChanges({ organization: config.policy.organization, user: member.user, outcome: 'applied', limit: 1 });
      const row: ReviewChange | null = change ? { at: change.at, action: change.action, actor: change.actor, runId: change.runId } : null;
      return [userKey(member.user), row] as const;
    });
    return reviewAccess(inputs, plan, new Map(last), ports.clock().toISOString());
  });
}
