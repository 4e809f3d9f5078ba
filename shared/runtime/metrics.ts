import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventSource, HandleResult } from '../offboarding/handle-okta-events.js';
import type { ReconcileOutcome } from '../reconcile/reconcile.js';

/**
 * CloudWatch metrics (Powertools, embedded metric format), namespace `hf-iam-sync`. The alarms in
 * serverless.yml read these names — renaming one silently disarms its alarm.
 *
 *   RunsSucceeded                      a reconcile run completed with no failed change
 *   ChangesApplied / ChangesFailed / ChangesBlocked
 *   StreamEventsReceived / HookEventsReceived / PolledEventsReceived   events per way in
 *                                      (the first is the log stream's heartbeat)
 *   MembersOffboarded, OffboardingLatency (ms from the Okta event's publication to the Hub change)
 */

export const metrics = new Metrics({ namespace: 'hf-iam-sync', serviceName: 'hf-iam-sync' });

export function recordRun(outcome: ReconcileOutcome): void {
  const succeeded = ['succeeded', 'no-changes', 'blocked'].includes(outcome.outcome);
  if (outcome.outcome !== 'planned') metrics.addMetric('RunsSucceeded', MetricUnit.Count, succeeded ? 1 : 0);
  metrics.addMetric('ChangesApplied', MetricUnit.Count, outcome.result?.applied.length ?? 0);
  metrics.addMetric('ChangesFailed', MetricUnit.Count, outcome.result?.failed.length ?? 0);
  metrics.addMetric('ChangesBlocked', MetricUnit.Count, outcome.result ? outcome.plan.blocked.length : 0);
}

const RECEIVED = { eventbridge: 'StreamEventsReceived', hook: 'HookEventsReceived', poll: 'PolledEventsReceived' } as const;

export function recordReceived(source: EventSource, received: number): void {
  metrics.addMetric(RECEIVED[source], MetricUnit.Count, received);
}

export function recordEvents(source: EventSource, received: number, result: HandleResult, publishedAt: readonly string[], now: Date): void {
  recordReceived(source, received);
  metrics.addMetric('MembersOffboarded', MetricUnit.Count, result.offboarded.length);
  if (result.offboarded.length > 0) {
    for (const at of publishedAt) {
      const ms = now.getTime() - Date.parse(at);
      if (Number.isFinite(ms) && ms >= 0) metrics.addMetric('OffboardingLatency', MetricUnit.Milliseconds, ms);
    }
  }
}
