import { alignColumns, renderCsv, type Column } from '../csv.js';
import type { CredentialStore, RotationEventRecord } from '../../shared/ports/credential-store.js';

/**
 * `audit --credential NAME`: a credential's rotation trail as evidence — every step of every
 * rotation (create, verify, promote, delete-old), when, in which run, which token (id and last four
 * characters), and why a step failed. Never a token value: none is stored.
 */

const COLUMNS: Array<Column<RotationEventRecord>> = [
  ['time', (e) => e.at],
  ['credential', (e) => e.credential],
  ['rotation_id', (e) => e.rotationId],
  ['step', (e) => e.step],
  ['outcome', (e) => e.outcome],
  ['token_id', (e) => e.tokenId ?? ''],
  ['last4', (e) => e.last4 ?? ''],
  ['run_id', (e) => e.runId],
  ['error', (e) => e.error ?? ''],
];

export async function rotationTrail(
  store: CredentialStore,
  credential: string,
  window: { since?: string; until?: string; limit: number },
): Promise<RotationEventRecord[]> {
  const events = await store.listRotationEvents(credential, Number.POSITIVE_INFINITY);
  return events.filter((e) => (!window.since || e.at >= window.since) && (!window.until || e.at < window.until)).slice(0, window.limit);
}

export function renderRotationTrail(events: readonly RotationEventRecord[], format: 'table' | 'json' | 'csv'): string {
  if (format === 'json') return JSON.stringify(events, null, 2);
  if (format === 'csv') return renderCsv(COLUMNS, events);
  if (events.length === 0) return 'No rotation steps recorded for this credential.';
  const rows = events.map((e) => [e.at, e.step, e.outcome, e.last4 ? `…${e.last4}` : '', e.rotationId, e.runId, e.error ?? '']);
  const header = ['time', 'step', 'outcome', 'token', 'rotation', 'run', 'error'];
  return alignColumns([header, ...rows])
    .map((line) => line.trimEnd())
    .join('\n');
}
