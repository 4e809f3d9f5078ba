import type { AuditRecord } from '../domain/audit-record.js';

/**
 * How far each destination has the Hub's audit log: every event before `at` was accepted, and of
 * the events at `at` exactly those in `ids` (the export can hold several events in one millisecond,
 * and a delivery can end between them). Each destination has its own cursor, so one that is down
 * never holds another back, and none moves past what its destination has not accepted.
 */
export interface HubCursor {
  at: string;
  ids: string[];
}

/**
 * The audit forwarder's progress: a Hub cursor per destination, and per destination the backlog of
 * our own records (from the table's stream) it has not accepted yet — kept until it does, so a
 * destination that is down never makes the stream wait or lose anything.
 */
export interface ForwarderCursors {
  getHubCursor(organization: string, destination: string): Promise<HubCursor | null>;
  putHubCursor(organization: string, destination: string, cursor: HubCursor): Promise<void>;
  /** Adds records to a destination's backlog (a record already there stays once). */
  addToBacklog(organization: string, destination: string, records: readonly AuditRecord[]): Promise<void>;
  /** Up to `limit` records of a destination's backlog, oldest first. */
  backlog(organization: string, destination: string, limit: number): Promise<AuditRecord[]>;
  removeFromBacklog(organization: string, destination: string, records: readonly AuditRecord[]): Promise<void>;
}
