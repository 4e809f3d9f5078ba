import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventSource, HandleResult } from '../shared/offboarding/handle-okta-events.js';
import type { ReconcileOutcome } from '../shared/reconcile/reconcile.js';
import type { RotationReport } from '../shared/rotation/rotate-tokens.js';
import type { CredentialSpec } from '../shared/domain/credentials.js';
import type { ExchangeOutcome } from '../shared/ci-tokens/exchange-token.js';
import type { SweepReport } from '../shared/ci-tokens/sweep-ci-tokens.js';
import type { DestinationReport } from '../shared/audit-stream/forward-hub-audit.js';
import type { BacklogReport, OwnDelivery } from '../shared/audit-stream/forward-own-records.js';
import type { RunRecord } from '../shared/ports/audit-trail.js';
import type { StoredPlan } from '../shared/ports/stored-plans.js';
import { runSucceeded } from '../shared/domain/run-outcome.js';

/**
 * CloudWatch metrics (Powertools, embedded metric format), namespace `hf-iam-sync`. The alarms in
 * serverless.yml read these names — renaming one silently disarms its alarm.
 *
 *   RunsSucceeded                      a reconcile run completed with no failed change
 *   ChangesApplied / ChangesFailed / ChangesBlocked
 *   StreamEventsReceived / HookEventsReceived / PolledEventsReceived   events per way in
 *                                      (the first is the log stream's heartbeat)
 *   MembersOffboarded, OffboardingLatency (ms from the Okta event's publication to the Hub change)
 *   OktaEventsFailed                   Okta events whose handling failed (retried, then dead-lettered)
 *   RotationsCompleted / RotationsFailed   per rotate-tokens run (a failed step, or a failed old-token deletion)
 *   CredentialsOverdue, OrphanTokens       the rotation checks
 *   RotationAgeHours                       age of the oldest current token; also per credential (dimension `credential`)
 *   RotationPeriodHours                    per credential (dimension `credential`): its rotateEvery, what its age is read against
 *   CiTokensIssued / CiTokensRefused       per exchange of the ci-token broker (`CiExchangeFailures`: nothing issued, the Hub or table
 *   failed)
 *   CiTokensDeleted / CiOrphanTokensDeleted / CiSweepFailures   per ci-token-sweeper run
 *   AuditRecordsForwarded / AuditForwardFailures   per audit-forwarder invocation and destination (dimension `destination`)
 *   AuditBacklogAge                        seconds: the oldest record a destination still lacks — the oldest of all
 *                                          (the AuditBacklog alarm), and per destination
 *   HubEventsOutOfBand                     Hub audit events no change of ours explains (made on the Hub by hand)
 */

export const metrics = new Metrics({ namespace: 'hf-iam-sync', serviceName: 'hf-iam-sync' });

function recordFigures(succeeded: boolean | null, applied: number, failed: number, blocked: number): void {
  if (succeeded !== null) metrics.addMetric('RunsSucceeded', MetricUnit.Count, succeeded ? 1 : 0);
  metrics.addMetric('ChangesApplied', MetricUnit.Count, applied);
  metrics.addMetric('ChangesFailed', MetricUnit.Count, failed);
  metrics.addMetric('ChangesBlocked', MetricUnit.Count, blocked);
}

export function recordRun(outcome: ReconcileOutcome): void {
  recordFigures(
    outcome.outcome === 'planned' ? null : runSucceeded(outcome.outcome),
    outcome.result?.applied.length ?? 0,
    outcome.result?.failed.length ?? 0,
    outcome.result ? outcome.plan.blocked.length : 0,
  );
}

/** The same figures for a run the state machine applied in batches (its finish step). */
export function recordJobRun(run: RunRecord, stored: StoredPlan): void {
  recordFigures(runSucceeded(run.outcome), stored.counts.applied, stored.counts.failed, stored.blocked);
}

const RECEIVED = { eventbridge: 'StreamEventsReceived', hook: 'HookEventsReceived', poll: 'PolledEventsReceived' } as const;

export function recordReceived(source: EventSource, received: number): void {
  metrics.addMetric(RECEIVED[source], MetricUnit.Count, received);
}

export function recordEvents(source: EventSource, received: number, result: HandleResult, publishedAt: readonly string[], now: Date): void {
  recordReceived(source, received);
  metrics.addMetric('MembersOffboarded', MetricUnit.Count, result.offboarded.length);
  metrics.addMetric('OktaEventsFailed', MetricUnit.Count, result.outcomes.filter((o) => o.outcome === 'failed').length);
  if (result.offboarded.length > 0) {
    for (const at of publishedAt) {
      const ms = now.getTime() - Date.parse(at);
      if (Number.isFinite(ms) && ms >= 0) metrics.addMetric('OffboardingLatency', MetricUnit.Milliseconds, ms);
    }
  }
}

export function recordRotation(report: RotationReport, credentials: readonly CredentialSpec[]): void {
  if (report.dryRun) return;
  const count = (o: string) => report.results.filter((r) => r.outcome === o).length;
  metrics.addMetric('RotationsCompleted', MetricUnit.Count, count('rotated'));
  metrics.addMetric('RotationsFailed', MetricUnit.Count, count('failed'));
  metrics.addMetric('CredentialsOverdue', MetricUnit.Count, report.overdue.length);
  if (report.orphanCheckError === undefined) metrics.addMetric('OrphanTokens', MetricUnit.Count, report.orphans.length);
  const ages = report.results.filter((r) => r.ageMs !== null);
  if (ages.length > 0) metrics.addMetric('RotationAgeHours', MetricUnit.Count, Math.max(...ages.map((r) => r.ageMs!)) / 3_600_000);
  for (const r of ages) {
    const single = metrics.singleMetric();
    single.addDimension('credential', r.credential);
    single.addMetric('RotationAgeHours', MetricUnit.Count, r.ageMs! / 3_600_000);
  }
  for (const spec of credentials) {
    if (spec.kind === 'token-exchange' || !report.results.some((r) => r.credential === spec.name)) continue;
    const single = metrics.singleMetric();
    single.addDimension('credential', spec.name);
    single.addMetric('RotationPeriodHours', MetricUnit.Count, spec.rotateEveryMs / 3_600_000);
  }
}

export function recordExchange(outcome: ExchangeOutcome): void {
  metrics.addMetric('CiTokensIssued', MetricUnit.Count, outcome.kind === 'issued' ? 1 : 0);
  metrics.addMetric('CiTokensRefused', MetricUnit.Count, outcome.kind === 'refused' ? 1 : 0);
  metrics.addMetric('CiExchangeFailures', MetricUnit.Count, outcome.kind === 'failed' ? 1 : 0);
}

/** A sweep that threw counts one failure (the alarm reads it); a completed one what it deleted. */
export function recordSweep(report: SweepReport | null): void {
  metrics.addMetric('CiSweepFailures', MetricUnit.Count, report === null ? 1 : 0);
  if (report === null) return;
  metrics.addMetric('CiTokensDeleted', MetricUnit.Count, report.deleted.length);
  metrics.addMetric('CiOrphanTokensDeleted', MetricUnit.Count, report.orphansDeleted.length);
}

function perDestination(destination: string, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
  const single = metrics.singleMetric();
  single.addDimension('destination', destination);
  single.addMetric(name, unit, value);
}

/** A scheduled forward: the Hub's events and the drained backlogs, per destination; the oldest backlog of all. */
export function recordForwarding(hub: readonly DestinationReport[], backlogs: readonly BacklogReport[]): void {
  let oldest = 0;
  for (const h of hub) {
    const b = backlogs.find((x) => x.destination === h.destination);
    const ageS = Math.max(h.backlogMs, b?.backlogMs ?? 0) / 1000;
    oldest = Math.max(oldest, ageS);
    perDestination(h.destination, 'AuditRecordsForwarded', MetricUnit.Count, h.delivered + (b?.delivered ?? 0));
    perDestination(h.destination, 'AuditForwardFailures', MetricUnit.Count, h.error || b?.error ? 1 : 0);
    perDestination(h.destination, 'AuditBacklogAge', MetricUnit.Seconds, ageS);
  }
  metrics.addMetric('AuditBacklogAge', MetricUnit.Seconds, oldest);
  metrics.addMetric('HubEventsOutOfBand', MetricUnit.Count, Math.max(0, ...hub.map((h) => h.outOfBand)));
}

/** A stream batch of our own records, per destination. */
export function recordOwnForwarding(deliveries: readonly OwnDelivery[]): void {
  for (const d of deliveries) {
    perDestination(d.destination, 'AuditRecordsForwarded', MetricUnit.Count, d.delivered);
    perDestination(d.destination, 'AuditForwardFailures', MetricUnit.Count, d.error ? 1 : 0);
  }
}
