import { renderPlan } from '../../shared/domain/render-plan.js';
import { parseReconcileEvent } from '../../shared/reconcile/reconcile-event.js';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import { lambdaRuntime } from '../../composition/lambda-runtime.js';
import { recordRun } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/** reconcile: weekly schedule (applies) or manual invoke (`{"dryRun": true|false, "user"?: "…"}`). */
export const handler = withMiddleware(async (event: unknown) => {
  const request = parseReconcileEvent(event);
  const { config, composition } = await lambdaRuntime();
  const outcome = await reconcile(composition.ports, config, request);
  const { plan, result } = outcome;
  recordRun(outcome);
  logger.info('reconcile finished', {
    runId: outcome.runId, outcome: outcome.outcome, trigger: request.trigger, scope: request.scope, summary: plan.summary,
    applied: result?.applied.length ?? 0, failed: result?.failed.length ?? 0,
  });
  return {
    runId: outcome.runId,
    outcome: outcome.outcome,
    summary: plan.summary,
    failed: result?.failed ?? [],
    ...(request.dryRun ? { plan, rendered: renderPlan(plan) } : {}),
  };
});
