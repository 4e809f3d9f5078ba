import type { ChangeRecord } from '../../shared/ports/state-store.js';
import { EXIT, type CliIo } from '../io.js';
import { openState } from '../runtime.js';

/** `audit`: the newest changes from the audit trail, for the organization or one person. */

export function renderAudit(records: readonly ChangeRecord[]): string {
  if (records.length === 0) return 'The audit trail has no changes yet.';
  const rows = records.map((r) => [
    r.at, r.user, r.action, `${r.before?.role ?? '—'} → ${r.after?.role ?? 'out'}`, r.outcome, `${r.trigger}:${r.actor}`, r.runId, r.reasons[0] ?? '',
  ]);
  const header = ['time', 'user', 'action', 'role', 'outcome', 'by', 'run', 'why'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export async function runAuditCommand(args: { config: string; user: string | undefined; limit: number; json: boolean }, io: CliIo): Promise<number> {
  const { config, state, close } = await openState(args.config, io);
  try {
    const records = await state.listChanges({
      organization: config.policy.organization, limit: args.limit, ...(args.user ? { user: args.user } : {}),
    });
    io.stdout(args.json ? JSON.stringify(records, null, 2) : renderAudit(records));
    return EXIT.ok;
  } finally {
    await close();
  }
}
