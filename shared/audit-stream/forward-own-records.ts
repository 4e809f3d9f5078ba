import type { AuditRecord } from '../domain/audit-record.js';
import type { AuditDestination } from '../ports/audit-destination.js';
import type { ForwarderCursors } from '../ports/forwarder-cursors.js';
import { timeLeft } from '../runtime/deadline.js';
import { describeError } from '../runtime/errors.js';

/**
 * Our own audit records (from the table's stream) to every destination, and the backlogs of the
 * destinations that were down.
 *
 * forwardOwnRecords — primary course, per destination at once:
 *   1. the destination has a backlog (it was down): the records join it, behind the older ones
 *   2. else they are delivered; a destination that fails gets them in its backlog instead
 * Only a backlog that cannot be written fails the call (the stream then delivers the batch again:
 * at least once, the same ids). A destination that is down never makes another wait.
 *
 * drainBacklogs — per destination: deliver its backlog oldest first, in chunks, removing each chunk
 * once accepted; stop at the first failure (the next run tries again) or when the invocation's time
 * runs short.
 */

export interface ForwardOwnPorts {
  cursors: ForwarderCursors;
  destinations: readonly AuditDestination[];
  clock: () => Date;
}

export interface OwnDelivery {
  destination: string;
  delivered: number;
  refused: number;
  /** Records put in the backlog (the destination failed, or already had one). */
  backlogged: number;
  error?: string;
}

export interface BacklogReport {
  destination: string;
  delivered: number;
  refused: number;
  /** How old the oldest record still in the backlog is (0: empty). */
  backlogMs: number;
  error?: string;
}

const CHUNK = 1_000;
/** What a drain leaves of the invocation for the rest of its work. */
const DRAIN_MARGIN_MS = 15_000;

export async function forwardOwnRecords(
  ports: ForwardOwnPorts,
  organization: string,
  records: readonly AuditRecord[],
): Promise<OwnDelivery[]> {
  if (records.length === 0) return ports.destinations.map((d) => ({ destination: d.name, delivered: 0, refused: 0, backlogged: 0 }));
  return Promise.all(
    ports.destinations.map(async (destination): Promise<OwnDelivery> => {
      const report: OwnDelivery = { destination: destination.name, delivered: 0, refused: 0, backlogged: 0 };
      if ((await ports.cursors.backlog(organization, destination.name, 1)).length > 0) {
        await ports.cursors.addToBacklog(organization, destination.name, records);
        return { ...report, backlogged: records.length };
      }
      try {
        const result = await destination.deliver(records);
        return { ...report, delivered: result.accepted, refused: result.refused.length };
      } catch (error) {
        await ports.cursors.addToBacklog(organization, destination.name, records);
        return { ...report, backlogged: records.length, error: describeError(error) };
      }
    }),
  );
}

export async function drainBacklogs(ports: ForwardOwnPorts, organization: string): Promise<BacklogReport[]> {
  const now = ports.clock().getTime();
  return Promise.all(
    ports.destinations.map(async (destination): Promise<BacklogReport> => {
      const report: BacklogReport = { destination: destination.name, delivered: 0, refused: 0, backlogMs: 0 };
      for (;;) {
        const chunk = await ports.cursors.backlog(organization, destination.name, CHUNK);
        if (chunk.length === 0) return report;
        report.backlogMs = Math.max(0, now - Date.parse(chunk[0]!.time));
        if (timeLeft() < DRAIN_MARGIN_MS) return report;
        try {
          const result = await destination.deliver(chunk);
          report.delivered += result.accepted;
          report.refused += result.refused.length;
        } catch (error) {
          return { ...report, error: describeError(error) };
        }
        await ports.cursors.removeFromBacklog(organization, destination.name, chunk);
        report.backlogMs = 0;
      }
    }),
  );
}
