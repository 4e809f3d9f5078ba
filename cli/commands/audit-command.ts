import { alignColumns, renderCsv, type Column } from '../csv.js';
import type { Access } from '../../shared/domain/plan.js';
import type { AuditQuery, ChangeRecord, Trigger } from '../../shared/ports/audit-trail.js';
import type { AuditTrail } from '../../shared/ports/audit-trail.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { EXIT, type CliIo } from '../io.js';
import { parseTimeFlag } from '../time-flag.js';
import { openState } from '../command-setup.js';
import { renderRotationTrail, rotationTrail } from './audit-rotation.js';
import { auditRecords, type AuditRecordPorts, type AuditSource } from '../../shared/audit-stream/audit-records.js';
import { composeHub } from '../../composition/compose.js';
import type { Config } from '../../shared/runtime/config.js';
import type { CredentialStore } from '../../shared/ports/credential-store.js';

/**
 * `audit`: the audit trail as evidence — who changed whose access, when, why, triggered by what.
 * Filters by person, time range [since, until), trigger and outcome; newest first; table, JSON or
 * CSV (RFC 4180) for evidence requests.
 */

export interface AuditArgs {
  config: string;
  user: string | undefined;
  since: string | undefined;
  until: string | undefined;
  trigger: string | undefined;
  outcome: string | undefined;
  limit: number;
  format: 'table' | 'json' | 'csv' | 'ndjson';
  /** A credential's rotation trail instead of membership changes. */
  credential?: string | undefined;
  /** ndjson: our audit trail (default), the Hub's audit log, or both. */
  source?: string | undefined;
}

const TRIGGERS: readonly Trigger[] = ['cli', 'schedule', 'invoke', 'event', 'ci'];
const OUTCOMES: ReadonlyArray<ChangeRecord['outcome']> = ['started', 'applied', 'failed', 'held', 'superseded'];

/** Validates the filters; every problem at once, naming the flag. */
function toAuditQuery(organization: string, args: AuditArgs): AuditQuery {
  const problems: string[] = [];
  const since = parseTimeFlag('since', args.since, problems);
  const until = parseTimeFlag('until', args.until, problems);
  if (since && until && since >= until) problems.push(`--since (${since}) must be before --until (${until})`);
  if (args.trigger !== undefined && !TRIGGERS.includes(args.trigger as Trigger))
    problems.push(`--trigger must be one of ${TRIGGERS.join(', ')}`);
  if (args.outcome !== undefined && !OUTCOMES.includes(args.outcome as ChangeRecord['outcome']))
    problems.push(`--outcome must be one of ${OUTCOMES.join(', ')}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    organization,
    limit: args.limit,
    ...(args.user ? { user: args.user } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(args.trigger ? { trigger: args.trigger as Trigger } : {}),
    ...(args.outcome ? { outcome: args.outcome as ChangeRecord['outcome'] } : {}),
  };
}

const SOURCES: readonly AuditSource[] = ['hub', 'hf-iam-sync', 'all'];

function sourceOf(args: AuditArgs): AuditSource {
  const source = (args.source ?? 'hf-iam-sync') as AuditSource;
  if (!SOURCES.includes(source)) throw new ConfigError([`--source must be one of ${SOURCES.join(', ')}, got "${args.source}"`]);
  return source;
}

async function recordPorts(
  config: Config,
  state: AuditTrail,
  credentials: CredentialStore,
  args: AuditArgs,
  io: CliIo,
): Promise<AuditRecordPorts> {
  const own = { trail: state, rotations: { store: credentials, credentials: config.credentials.map((c) => c.name) } };
  if (sourceOf(args) === 'hf-iam-sync') return own;
  const token = io.env.HF_TOKEN?.trim();
  if (!token) throw new ConfigError([`--source ${args.source} reads the Hub's audit log: set HF_TOKEN (an org admin's token)`]);
  return { ...own, hub: { org: composeHub(config, token), tokenLast4: token.slice(-4) } };
}

const groups = (a: Access | null) => (a?.resourceGroups ?? []).map((rg) => `${rg.name}:${rg.role}`).join(' ');

const COLUMNS: Array<Column<ChangeRecord>> = [
  ['time', (r) => r.at],
  ['organization', (r) => r.organization],
  ['user', (r) => r.user],
  ['okta_user_id', (r) => r.oktaUserId ?? ''],
  ['action', (r) => r.action],
  ['effect', (r) => r.effect],
  ['role_before', (r) => r.before?.role ?? ''],
  ['role_after', (r) => r.after?.role ?? ''],
  ['resource_groups_before', (r) => groups(r.before)],
  ['resource_groups_after', (r) => groups(r.after)],
  ['outcome', (r) => r.outcome],
  ['error', (r) => r.error ?? ''],
  ['trigger', (r) => r.trigger],
  ['actor', (r) => r.actor],
  ['run_id', (r) => r.runId],
  ['reasons', (r) => r.reasons.join('; ')],
];

function renderAuditCsv(records: readonly ChangeRecord[]): string {
  return renderCsv(COLUMNS, records);
}

function renderAudit(records: readonly ChangeRecord[]): string {
  if (records.length === 0) return 'No changes in the audit trail match.';
  const rows = records.map((r) => [
    r.at,
    r.user,
    r.action,
    r.ci ? `policy ${r.ci.policy ?? '—'}` : `${r.before?.role ?? '—'} → ${r.after?.role ?? 'out'}`,
    r.outcome,
    `${r.trigger}:${r.actor}`,
    r.runId,
    r.reasons[0] ?? '',
  ]);
  const header = ['time', 'user', 'action', 'role', 'outcome', 'by', 'run', 'why'];
  return alignColumns([header, ...rows]).join('\n');
}

export async function runAuditCommand(args: AuditArgs, io: CliIo): Promise<number> {
  const { config, state, credentials, close } = await openState(args.config, io);
  try {
    if (args.credential !== undefined) {
      const query = toAuditQuery(config.policy.organization, args);
      if (args.user || args.trigger || args.outcome || args.source)
        throw new ConfigError([
          '--credential shows a rotation trail: it takes --since, --until, --limit and --format, not --user, --trigger, --outcome or --source',
        ]);
      if (args.format === 'ndjson') throw new ConfigError(['--credential prints the rotation trail as a table, json or csv (not ndjson)']);
      io.stdout(renderRotationTrail(await rotationTrail(credentials, args.credential, query), args.format));
      return EXIT.ok;
    }
    if (args.format === 'ndjson') {
      const records = await auditRecords(
        await recordPorts(config, state, credentials, args, io),
        toAuditQuery(config.policy.organization, args),
        sourceOf(args),
      );
      io.stdout(records.map((r) => JSON.stringify(r)).join('\n'));
      return EXIT.ok;
    }
    if (args.source !== undefined)
      throw new ConfigError(["--source reads the Hub's audit log too: use it with --format ndjson (one record shape for both)"]);
    const records = await state.listChanges(toAuditQuery(config.policy.organization, args));
    io.stdout(
      args.format === 'json' ? JSON.stringify(records, null, 2) : args.format === 'csv' ? renderAuditCsv(records) : renderAudit(records),
    );
    return EXIT.ok;
  } finally {
    await close();
  }
}
