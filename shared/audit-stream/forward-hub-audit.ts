import { correlate, CORRELATION_WINDOW_MS, recordOfHubEvent } from '../domain/audit-record.js';
import type { HubAuditEvent } from '../domain/out-of-band.js';
import type { AuditDestination } from '../ports/audit-destination.js';
import type { ForwarderCursors, HubCursor } from '../ports/forwarder-cursors.js';
import type { HubOrg } from '../ports/hub-org.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import { describeError } from '../runtime/errors.js';

/**
 * forwardHubAudit — every event of the Hub's audit log, to every destination, once per record id.
 *
 * Primary course:
 *   1. read the organization's export (every type) and who hf-iam-sync's token is
 *   2. per destination, from its own cursor (or, the first time, `lookBackMs` ago): the events
 *      after it, oldest first, each correlated with the change of ours that caused it
 *   3. deliver them in chunks; after each chunk the destination accepted, move its cursor past it
 *
 * A destination that fails keeps its cursor where its last accepted chunk left it; the others go
 * on. Killed anywhere, a destination gets again at most the chunk it was being sent (the same
 * records, the same ids), never a gap: the cursor moves only after the destination accepted.
 */

export interface ForwardHubPorts {
  hub: Pick<HubOrg, 'exportAuditLog' | 'whoami'>;
  trail: Pick<AuditTrail, 'listChanges'>;
  cursors: ForwarderCursors;
  destinations: readonly AuditDestination[];
  clock: () => Date;
}

export interface ForwardHubSettings {
  organization: string;
  /** Last four characters of hf-iam-sync's Hub token (correlation), or null. */
  tokenLast4: string | null;
  /** Where a destination's first run starts. */
  lookBackMs: number;
  /** Records per delivery (a checkpoint after each). */
  chunk?: number;
}

export interface DestinationReport {
  destination: string;
  delivered: number;
  refused: number;
  /** Of the delivered events, those no change of ours explains (made on the Hub by hand). */
  outOfBand: number;
  /** How old the oldest event this destination still lacks is (0: it has everything). */
  backlogMs: number;
  error?: string;
}

const order = (a: HubAuditEvent, b: HubAuditEvent) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id);

/** Events after `cursor`, oldest first. */
export function eventsAfter(events: readonly HubAuditEvent[], cursor: HubCursor): HubAuditEvent[] {
  const seen = new Set(cursor.ids);
  return events.filter((e) => e.at > cursor.at || (e.at === cursor.at && !seen.has(e.id))).sort(order);
}

/** The cursor after `delivered` (oldest first), from `cursor`. */
export function advance(cursor: HubCursor, delivered: readonly HubAuditEvent[]): HubCursor {
  const last = delivered.at(-1);
  if (!last) return cursor;
  const atLast = delivered.filter((e) => e.at === last.at).map((e) => e.id);
  return { at: last.at, ids: last.at === cursor.at ? [...new Set([...cursor.ids, ...atLast])] : atLast };
}

export async function forwardHubAudit(ports: ForwardHubPorts, settings: ForwardHubSettings): Promise<DestinationReport[]> {
  const now = ports.clock();
  const [events, me] = await Promise.all([ports.hub.exportAuditLog(), ports.hub.whoami()]);
  const start: HubCursor = { at: new Date(now.getTime() - settings.lookBackMs).toISOString(), ids: [] };
  const cursors = await Promise.all(
    ports.destinations.map(async (d) => (await ports.cursors.getHubCursor(settings.organization, d.name)) ?? start),
  );
  const oldest = cursors.map((c) => c.at).sort()[0] ?? start.at;
  const since = new Date(Date.parse(oldest) - CORRELATION_WINDOW_MS).toISOString();
  const changes = await ports.trail.listChanges({ organization: settings.organization, since, limit: Number.MAX_SAFE_INTEGER });
  const ours = { user: me.user, tokenLast4: settings.tokenLast4 };
  return Promise.all(
    ports.destinations.map((destination, i) =>
      forwardTo(ports, settings, destination, cursors[i]!, eventsAfter(events, cursors[i]!), (e) => correlate(e, ours, changes), now),
    ),
  );
}

async function forwardTo(
  ports: ForwardHubPorts,
  settings: ForwardHubSettings,
  destination: AuditDestination,
  from: HubCursor,
  pending: HubAuditEvent[],
  correlation: (e: HubAuditEvent) => ReturnType<typeof correlate>,
  now: Date,
): Promise<DestinationReport> {
  const report: DestinationReport = { destination: destination.name, delivered: 0, refused: 0, outOfBand: 0, backlogMs: 0 };
  const size = settings.chunk ?? 5_000;
  let cursor = from;
  for (let i = 0; i < pending.length; i += size) {
    const chunk = pending.slice(i, i + size);
    try {
      const records = chunk.map((e) => recordOfHubEvent(settings.organization, e, correlation(e)));
      const result = await destination.deliver(records);
      cursor = advance(cursor, chunk);
      await ports.cursors.putHubCursor(settings.organization, destination.name, cursor);
      report.delivered += result.accepted;
      report.refused += result.refused.length;
      report.outOfBand += records.filter((r) => r.correlation?.madeBy !== 'hf-iam-sync').length;
    } catch (error) {
      report.error = describeError(error);
      report.backlogMs = now.getTime() - Date.parse(chunk[0]!.at);
      break;
    }
  }
  return report;
}
