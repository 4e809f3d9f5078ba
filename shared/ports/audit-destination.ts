import type { AuditRecord } from '../domain/audit-record.js';

/** What a destination did with a delivery: every record accepted, save those it refused for good (with why). */
export interface DeliveryResult {
  accepted: number;
  /** Refused and never to be accepted (CloudWatch refuses events older than 14 days or the retention): not retried. */
  refused: Array<{ id: string; reason: string }>;
}

/**
 * Somewhere audit records are delivered (CloudWatch Logs, Datadog). At least once: a delivery that
 * throws may have been partly accepted, and is sent again whole — records carry stable ids.
 */
export interface AuditDestination {
  readonly name: string;
  deliver(records: readonly AuditRecord[]): Promise<DeliveryResult>;
}
