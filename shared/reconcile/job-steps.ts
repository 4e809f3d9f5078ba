import type { RunRecord } from '../ports/audit-trail.js';
import type { StoredPlan } from '../ports/stored-plans.js';
import type { Config } from '../runtime/config.js';
import { applyBatch, finishJob, type JobTicket } from './job.js';
import { runSucceeded } from '../domain/run-outcome.js';
import type { JobStep } from './reconcile-event.js';
import { jobDeps, reconcile, resumeRun, type ReconcilePorts } from './reconcile.js';

/**
 * The ReconcileJob state machine's three steps (state-machines/reconcile-job.yml), one per
 * invocation of `reconcile-job`: `plan` (or resume) hands the lease over with the stored plan's
 * ticket, `apply` runs one batch, `finish` records the run. Each answer is what the next state reads.
 */

export type JobStepAnswer =
  | { step: 'plan'; ticket: JobTicket; resumed: boolean }
  /** An errored plan stored nothing: the run has ended already. */
  | { step: 'plan'; ended: { runId: string; finished: true; ok: false; outcome: string; done: true } }
  | { step: 'apply'; ticket: JobTicket }
  | {
      step: 'finish';
      run: RunRecord;
      stored: StoredPlan;
      answer: { runId: string; outcome: RunRecord['outcome']; ok: boolean; counts: StoredPlan['counts']; batches: number; error?: string };
    };

/** What the state machine receives from a step. */
export const machineAnswer = (a: JobStepAnswer): unknown => ('ticket' in a ? a.ticket : 'ended' in a ? a.ended : a.answer);

export async function runJobStep(ports: ReconcilePorts, config: Config, step: JobStep): Promise<JobStepAnswer> {
  if (step.step === 'plan') {
    const input = step.input ?? {};
    const actor = input.actor ?? step.execution ?? 'state-machine';
    const trigger = input.trigger ?? 'invoke';
    if (input.resume) {
      const resumed = await resumeRun(ports, config, { runId: input.resume, trigger, actor, execution: { job: 'hand-over' } });
      return { step: 'plan', ticket: resumed.ticket, resumed: true };
    }
    const planned = await reconcile(ports, config, {
      dryRun: false,
      scope: { kind: 'organization' },
      trigger,
      actor,
      execution: { job: 'hand-over' },
    });
    if (!planned.ticket)
      return { step: 'plan', ended: { runId: planned.runId, finished: true, ok: false, outcome: planned.outcome, done: true } };
    return { step: 'plan', ticket: planned.ticket, resumed: false };
  }
  // Who the run is recorded for: its starter, or whoever resumed it last.
  const run = await ports.state.getRun(step.job.runId);
  const who = { trigger: run?.trigger ?? 'schedule', actor: run?.resumedBy ?? run?.actor ?? 'state-machine' };
  const deps = jobDeps(ports, config, who);
  if (step.step === 'apply') return { step: 'apply', ticket: await applyBatch(deps, step.job, who) };
  const { run: finished, stored } = await finishJob(deps, step.job);
  return {
    step: 'finish',
    run: finished,
    stored,
    answer: {
      runId: finished.runId,
      outcome: finished.outcome,
      ok: runSucceeded(finished.outcome),
      counts: stored.counts,
      batches: stored.batches,
      ...(finished.error ? { error: finished.error } : {}),
    },
  };
}
