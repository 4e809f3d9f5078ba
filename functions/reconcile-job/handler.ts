import { parseJobStep } from '../../shared/reconcile/reconcile-event.js';
import { jobDeps, reconcile, resumeRun } from '../../shared/reconcile/reconcile.js';
import { applyBatch, finishJob } from '../../shared/reconcile/job.js';
import { lambdaRuntime } from '../../composition/lambda-runtime.js';
import { recordJobRun, runSucceeded } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/**
 * reconcile-job: the steps of the reconcile state machine (state-machines/reconcile-job.yml), one
 * invocation each — `plan` (plan, store, hand the lease over), `apply` (one batch, until the plan
 * is done, the window is spent or the invocation's time nearly is), `finish` (record the outcome,
 * release). The answer of each step is the next one's `job`.
 */
export const handler = withMiddleware(async (event: unknown) => {
  const step = parseJobStep(event);
  const { config, composition } = await lambdaRuntime();
  const { ports } = composition;
  if (step.step === 'plan') {
    const input = step.input ?? {};
    const actor = input.actor ?? step.execution ?? 'state-machine';
    const trigger = input.trigger ?? 'invoke';
    if (input.resume) {
      const resumed = await resumeRun(ports, config, { runId: input.resume, trigger, actor, job: 'hand-over' });
      logger.info('run resumed', { runId: resumed.ticket.runId, cursor: resumed.ticket.cursor, total: resumed.ticket.total });
      return resumed.ticket;
    }
    const planned = await reconcile(ports, config, { dryRun: false, scope: { kind: 'organization' }, trigger, actor, job: 'hand-over' });
    logger.info('reconcile planned', { runId: planned.runId, outcome: planned.outcome, summary: planned.plan.summary, changes: planned.plan.changes.length });
    // Nothing stored (an errored plan): the run has ended already.
    if (!planned.ticket) return { runId: planned.runId, finished: true, ok: false, outcome: planned.outcome, done: true };
    return planned.ticket;
  }
  const run = await ports.state.getRun(step.job.runId);
  const who = { trigger: run?.trigger ?? 'schedule', actor: run?.resumedBy ?? run?.actor ?? 'state-machine' };
  const deps = jobDeps(ports, config, who);
  if (step.step === 'apply') {
    const next = await applyBatch(deps, step.job, who);
    logger.info('batch applied', { runId: next.runId, cursor: next.cursor, total: next.total, counts: next.counts, stoppedBy: next.stoppedBy, waitSeconds: next.waitSeconds });
    return next;
  }
  const { run: finished, stored } = await finishJob(deps, step.job);
  recordJobRun(finished, stored);
  const ok = runSucceeded(finished.outcome);
  logger.info('reconcile finished', { runId: finished.runId, outcome: finished.outcome, applied: stored.counts.applied, failed: stored.counts.failed, batches: stored.batches, error: finished.error });
  return { runId: finished.runId, outcome: finished.outcome, ok, counts: stored.counts, batches: stored.batches, ...(finished.error ? { error: finished.error } : {}) };
});
