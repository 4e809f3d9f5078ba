import { parseJobStep } from '../../shared/reconcile/reconcile-event.js';
import { machineAnswer, runJobStep } from '../../shared/reconcile/job-steps.js';
import { lambdaSetup } from '../../composition/lambda-setup.js';
import { recordJobRun } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/**
 * reconcile-job: the steps of the reconcile state machine (state-machines/reconcile-job.yml), one
 * invocation each — `plan` (plan, store, hand the lease over), `apply` (one batch, until the plan
 * is done, the window is spent or the invocation's time nearly is), `finish` (record the outcome,
 * release). The answer of each step is the next one's `job`.
 */
export const handler = withMiddleware(async (event: unknown) => {
  const step = parseJobStep(event);
  const { config, composition } = await lambdaSetup();
  const done = await runJobStep(composition.ports, config, step);
  if ('ended' in done) {
    logger.info('reconcile planned', { runId: done.ended.runId, outcome: done.ended.outcome, stored: false });
  } else if (done.step === 'plan') {
    logger.info(done.resumed ? 'run resumed' : 'reconcile planned', {
      runId: done.ticket.runId,
      cursor: done.ticket.cursor,
      total: done.ticket.total,
    });
  } else if (done.step === 'apply') {
    const next = done.ticket;
    logger.info('batch applied', {
      runId: next.runId,
      cursor: next.cursor,
      total: next.total,
      counts: next.counts,
      stoppedBy: next.stoppedBy,
      waitSeconds: next.waitSeconds,
    });
  } else {
    recordJobRun(done.run, done.stored);
    logger.info('reconcile finished', {
      runId: done.run.runId,
      outcome: done.run.outcome,
      applied: done.stored.counts.applied,
      failed: done.stored.counts.failed,
      batches: done.stored.batches,
      error: done.run.error,
    });
  }
  return machineAnswer(done);
});
