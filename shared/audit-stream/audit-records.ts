import {
  correlate,
  CORRELATION_WINDOW_MS,
  recordOfChange,
  recordOfHubEvent,
  recordOfRotationStep,
  type AuditRecord,
} from '../domain/audit-record.js';
import type { CredentialStore } from '../ports/credential-store.js';
import type { HubOrg } from '../ports/hub-org.js';
import type { AuditQuery } from '../ports/audit-trail.js';
import type { AuditTrail } from '../ports/audit-trail.js';

/**
 * The audit records of a period, in the one shape (domain/audit-record.ts), oldest first: our own
 * audit trail, the Hub's audit log, or both — each Hub event correlated with the change of ours
 * that caused it, or marked out of band.
 *
 * Primary course:
 *   1. read our changes in [since − 2 min, until + 2 min) (the correlation window at both ends),
 *      and the configured credentials' rotation steps in [since, until) (unless the query names a
 *      user, trigger or outcome)
 *   2. with the Hub: read its export and whoami (who hf-iam-sync's token is)
 *   3. keep what falls in [since, until), correlate each Hub event, sort by time
 */

export type AuditSource = 'hub' | 'hf-iam-sync' | 'all';

export interface AuditRecordPorts {
  trail: Pick<AuditTrail, 'listChanges'>;
  /** The configured credentials' rotation steps (as the stream forwards them), for our own records. */
  rotations?: { store: Pick<CredentialStore, 'listRotationEvents'>; credentials: readonly string[] };
  /** Needed for `hub` and `all`; `tokenLast4` is the last four characters of HF_TOKEN (never more). */
  hub?: { org: Pick<HubOrg, 'exportAuditLog' | 'whoami'>; tokenLast4: string | null };
}

const shift = (iso: string | undefined, ms: number) => (iso ? new Date(Date.parse(iso) + ms).toISOString() : undefined);

export async function auditRecords(ports: AuditRecordPorts, query: AuditQuery, source: AuditSource): Promise<AuditRecord[]> {
  const inRange = (time: string) => (!query.since || time >= query.since) && (!query.until || time < query.until);
  // Wider than asked: a change just outside the range may be what caused a Hub event inside it.
  const { since: _s, until: _u, limit: _l, ...filters } = query;
  const since = shift(query.since, -CORRELATION_WINDOW_MS);
  const until = shift(query.until, CORRELATION_WINDOW_MS);
  const changes = await ports.trail.listChanges({
    ...filters,
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    limit: Number.MAX_SAFE_INTEGER,
  });
  const own = source === 'hub' ? [] : changes.filter((c) => inRange(c.at)).map((c) => recordOfChange(c));
  // Rotation steps are ours too, but say nothing of a user, a trigger or an outcome filter's terms.
  const narrowed = query.user !== undefined || query.trigger !== undefined || query.outcome !== undefined;
  if (source !== 'hub' && ports.rotations && !narrowed) {
    for (const credential of ports.rotations.credentials) {
      const steps = await ports.rotations.store.listRotationEvents(credential, query.limit);
      own.push(...steps.filter((s) => inRange(s.at)).map((s) => recordOfRotationStep(query.organization, s)));
    }
  }
  let hub: AuditRecord[] = [];
  if (source !== 'hf-iam-sync') {
    if (!ports.hub) throw new Error('the Hub is needed for --source hub or all');
    const [events, me] = await Promise.all([ports.hub.org.exportAuditLog(), ports.hub.org.whoami()]);
    const ours = { user: me.user, tokenLast4: ports.hub.tokenLast4 };
    hub = events
      .filter((e) => inRange(e.at) && (!query.user || matchesUser(e.data, query.user)))
      .map((e) => recordOfHubEvent(query.organization, e, correlate(e, ours, changes)));
  }
  return [...own, ...hub].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id)).slice(-query.limit);
}

const matchesUser = (data: unknown, user: string) =>
  String((data as { user?: unknown } | null)?.user ?? '').toLowerCase() === user.toLowerCase();
