import { renderPlan } from '../../shared/domain/render-plan.js';
import { applyApprovedPlan, parseApprovedPlanEvent } from '../../shared/reconcile/approved-plan.js';
import { parseReconcileEvent } from '../../shared/reconcile/reconcile-event.js';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import { lambdaApprovedPlans, lambdaJobStarter, lambdaPlanKey, lambdaSetup } from '../../composition/lambda-setup.js';
import { recordRun } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/**
 * reconcile: manual invoke (`{"dryRun": true|false, "user"?: "…"}`) or an approved plan
 * (`{"approvedPlan": "s3://<stack bucket>/approved-plans/<file>.json"}`, applied exactly). A plan and a
 * one-person apply run here; an organization apply is started on the ReconcileJob state machine.
 */
export const handler = withMiddleware(async (event: unknown) => {
  const approved = parseApprovedPlanEvent(event);
  const request = approved ? null : parseReconcileEvent(event);
  const { config, composition } = await lambdaSetup();
  if (approved) {
    const done = await applyApprovedPlan(composition.ports, lambdaApprovedPlans(), config, approved, { key: await lambdaPlanKey() });
    logger.info('approved plan applied', {
      runId: done.runId,
      outcome: done.outcome,
      plan: approved.ref,
      applied: done.result?.applied.length ?? 0,
      stale: done.stale.length,
    });
    return {
      runId: done.runId,
      outcome: done.outcome,
      applied: done.result?.applied ?? [],
      failed: done.result?.failed ?? [],
      stale: done.stale.map((s) => ({ user: s.change.user, action: s.change.action, reason: s.reason })),
    };
  }
  // An organization apply is a job: in the stack it is started on the ReconcileJob state machine,
  // which applies it in batches to the end (outside the stack it runs here, resumable if it stops).
  const starter = request!.dryRun || request!.scope.kind !== 'organization' ? null : lambdaJobStarter();
  if (starter) {
    const name = `${request!.trigger}-${request!.actor.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${Date.now()}`;
    const started = await starter.start(name, { trigger: request!.trigger, actor: request!.actor });
    logger.info('reconcile job started', { executionArn: started.executionArn, trigger: request!.trigger, actor: request!.actor });
    return {
      started: true,
      ...started,
      note: 'The ReconcileJob state machine plans and applies in batches; watch the execution, or `hf-iam-sync audit`.',
    };
  }
  const outcome = await reconcile(composition.ports, config, request!);
  recordRun(outcome);
  logger.info('reconcile finished', {
    runId: outcome.runId,
    outcome: outcome.outcome,
    trigger: request!.trigger,
    scope: request!.scope,
    summary: outcome.plan.summary,
    applied: outcome.result?.applied.length ?? 0,
    failed: outcome.result?.failed.length ?? 0,
  });
  return {
    runId: outcome.runId,
    outcome: outcome.outcome,
    summary: outcome.plan.summary,
    failed: outcome.result?.failed ?? [],
    ...(request!.dryRun ? { plan: outcome.plan, rendered: renderPlan(outcome.plan) } : {}),
  };
});
