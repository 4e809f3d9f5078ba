import type { AuditRecord } from '../../domain/audit-record.js';
import { pack } from '../../runtime/pack.js';

/**
 * Audit records as PutLogEvents batches, within the API's rules: chronological within a call, at
 * most 10,000 events and 1,048,576 bytes a call (each message in UTF-8 plus 26 bytes), spanning at
 * most 24 hours. A record whose message would pass 256 KiB loses its `hub` copy of the Hub's event
 * (`hubTruncated: true`; the Hub keeps the event) rather than the record.
 */

export interface LogEvent {
  timestamp: number;
  message: string;
}

const LIMITS = { events: 10_000, bytes: 1_048_576, eventBytes: 262_144, overhead: 26, spanMs: 86_400_000 } as const;

const sizeOf = (e: LogEvent) => Buffer.byteLength(e.message) + LIMITS.overhead;

/** One record as a log event: its JSON, shortened to fit when it must be. */
function logEventOf(record: AuditRecord): LogEvent {
  const timestamp = Date.parse(record.time);
  const whole = { timestamp, message: JSON.stringify(record) };
  if (sizeOf(whole) <= LIMITS.eventBytes) return whole;
  const { hub: _hub, ...rest } = record;
  return { timestamp, message: JSON.stringify({ ...rest, hubTruncated: true }) };
}

/** @example logBatches(records).every((b) => b.length <= 10_000) */
export function logBatches(records: readonly AuditRecord[]): LogEvent[][] {
  const events = records.map(logEventOf).sort((a, b) => a.timestamp - b.timestamp);
  return pack(events, { maxCount: LIMITS.events, maxBytes: LIMITS.bytes, sizeOf }).flatMap(splitBySpan);
}

/** A chronological batch cut where it would span more than 24 hours. */
function splitBySpan(batch: LogEvent[]): LogEvent[][] {
  const out: LogEvent[][] = [];
  let current: LogEvent[] = [];
  for (const e of batch) {
    if (current.length > 0 && e.timestamp - current[0]!.timestamp > LIMITS.spanMs) {
      out.push(current);
      current = [];
    }
    current.push(e);
  }
  if (current.length > 0) out.push(current);
  return out;
}
