import { reviewAccess, type AccessReview, type ReviewChange } from '../domain/access-review.js';
import { ciPrincipals } from '../domain/ci-access.js';
import { renderAccessReviewHtml } from '../domain/access-review-html.js';
import type { EventSink } from '../ports/event-sink.js';
import type { ReportStore } from '../ports/report-store.js';
import { computePlan } from '../domain/compute-plan.js';
import { userKey } from '../domain/roles.js';
import type { Config } from '../runtime/config.js';
import { runDeadline, withDeadline } from '../runtime/deadline.js';
import { mapLimit } from '../runtime/map-limit.js';
import { readInputs } from './read-inputs.js';
import type { ReconcilePorts } from './reconcile.js';

/**
 * The access review as a use case: one full organization read (never a delta), the plan (so the review
 * says who is not in line with Okta), and each member's last change from our audit trail. Reads
 * only; writes nothing.
 */
export async function runAccessReview(ports: ReconcilePorts, config: Config, deadline?: number): Promise<AccessReview> {
  return withDeadline(runDeadline(deadline), async () => {
    const inputs = await readInputs(ports, config, { kind: 'organization' }, { snapshot: 'none' });
    const plan = computePlan(inputs);
    const last = await mapLimit(inputs.hub.members, 16, async (member) => {
      const [change] = await ports.state.listChanges({
        organization: config.policy.organization,
        user: member.user,
        outcome: 'applied',
        limit: 1,
      });
      const row: ReviewChange | null = change ? { at: change.at, action: change.action, actor: change.actor, runId: change.runId } : null;
      return [userKey(member.user), row] as const;
    });
    const serviceAccounts = config.credentials.flatMap((c) => (c.kind === 'service-account' ? [c.serviceAccount] : []));
    const review = reviewAccess(inputs, plan, new Map(last), ports.clock().toISOString(), serviceAccounts);
    return config.ciAccess.issuers.length === 0 ? review : { ...review, ...(await ciUse(ports, config)) };
  });
}

/** The period an access review counts CI use over: a quarter, the cadence of user-access reviews. */
const CI_PERIOD_MS = 90 * 86_400_000;

async function ciUse(ports: ReconcilePorts, config: Config): Promise<Pick<AccessReview, 'ciPrincipals' | 'ciPeriodStart'>> {
  const since = new Date(ports.clock().getTime() - CI_PERIOD_MS).toISOString();
  const trail = await ports.state.listChanges({ organization: config.policy.organization, trigger: 'ci', since, limit: 100_000 });
  const uses = trail
    .filter((c) => c.action === 'ci-token-issue')
    .map((c) => ({
      policy: c.ci?.policy ?? null,
      outcome: c.outcome === 'applied' ? ('issued' as const) : ('refused' as const),
      at: c.at,
    }));
  return { ciPrincipals: ciPrincipals(config.ciAccess.policies, uses), ciPeriodStart: since };
}

/**
 * The scheduled review (the access-review function): the review as JSON and as its HTML page in
 * the report store, under `access-reviews/<org>/<date>/`, then `hf-iam-sync.AccessReviewReady` on
 * our bus saying where they are, with the summary.
 */
export async function publishAccessReview(
  ports: ReconcilePorts & { reports: ReportStore; events: EventSink },
  config: Config,
  deadline?: number,
): Promise<{ json: string; html: string; review: AccessReview }> {
  const review = await runAccessReview(ports, config, deadline);
  const prefix = `access-reviews/${review.organization}/${review.generatedAt.slice(0, 10)}`;
  const [json, html] = await Promise.all([
    ports.reports.put(`${prefix}/review.json`, JSON.stringify(review, null, 2), 'application/json'),
    ports.reports.put(`${prefix}/review.html`, renderAccessReviewHtml(review), 'text/html; charset=utf-8'),
  ]);
  await ports.events.publish([
    {
      detailType: 'hf-iam-sync.AccessReviewReady',
      detail: { organization: review.organization, generatedAt: review.generatedAt, json, html, summary: review.summary },
    },
  ]);
  return { json, html, review };
}
