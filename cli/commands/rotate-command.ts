import { resolve } from 'node:path';
import { formatDuration } from '../../shared/domain/credentials.js';
import { newRunId } from '../../composition/compose.js';
import { composeRotation } from '../../composition/compose-rotation.js';
import { loadConfig, readRotationSecrets } from '../../shared/runtime/config.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import type { CredentialResult } from '../../shared/rotation/rotate-credential.js';
import { rotateTokens, type RotationReport } from '../../shared/rotation/rotate-tokens.js';
import { EXIT, type CliIo } from '../io.js';
import { stateOption } from '../command-setup.js';

/**
 * `rotate`: rotates the managed credentials that are due (or `--credential NAME` now), or with
 * `--dry-run` says what it would do and writes nothing. Reports overdue credentials and orphan
 * service-account tokens. Exit 1 when a rotation failed, a credential is left overdue, or a dry run
 * finds a credential that cannot rotate (its service account is missing).
 */
export async function runRotateCommand(
  args: { config: string; credential: string | undefined; dryRun: boolean; json: boolean },
  io: CliIo,
): Promise<number> {
  const config = await loadConfig(resolve(io.cwd, args.config));
  if (config.credentials.length === 0) {
    throw new ConfigError([`${args.config}: credentials: none configured; add one (see "Token rotation" in the README)`]);
  }
  const { ports, close } = await composeRotation(config, readRotationSecrets(io.env, config), io.env, { state: stateOption(io) });
  try {
    io.progress?.(args.dryRun ? 'reading rotation state…' : 'rotating…');
    const report = await rotateTokens(ports, config.credentials, config.policy.organization, {
      credential: args.credential,
      dryRun: args.dryRun,
      runId: newRunId(),
    });
    io.progress?.('');
    io.stdout(args.json ? JSON.stringify(report, null, 2) : renderRotation(report, ports.clock()));
    // A credential asked for by name that was not rotated (another run held it) is a failure too.
    const notDone = args.credential !== undefined && report.results.some((r) => r.outcome === 'skipped');
    const failed = notDone || report.results.some((r) => r.outcome === 'failed') || report.decisions.some((d) => d.problem);
    return failed || (!report.dryRun && report.overdue.length > 0) ? EXIT.failed : EXIT.ok;
  } finally {
    await close();
  }
}

const OUTCOME: Record<CredentialResult['outcome'], string> = {
  rotated: 'rotated',
  'up-to-date': 'up to date',
  failed: 'FAILED',
  skipped: 'skipped',
  suspended: 'SUSPENDED',
};

export function renderRotation(report: RotationReport, now: Date): string {
  const lines = [report.dryRun ? `Rotation dry run ${report.runId}: nothing is written.` : `Rotation run ${report.runId}`, ''];
  const names = [...report.decisions.map((d) => d.credential), ...report.results.map((r) => r.credential)];
  const width = Math.max(12, ...names.map((n) => n.length));
  for (const d of report.decisions) {
    const verb = d.action === 'none' ? 'up to date' : d.action === 'resume' ? `would resume at "${d.resumeAt}"` : 'would rotate';
    lines.push(`  ${d.credential.padEnd(width)}  ${verb}: ${d.reason}`);
    if (d.problem) lines.push(`  ${''.padEnd(width)}  PROBLEM: ${d.problem.replace(/^Invalid configuration:\n\s*- /, '')}`);
    for (const old of d.deletions)
      lines.push(`  ${''.padEnd(width)}  would delete old token …${old.last4} (grace period ended ${old.deleteAfter})`);
  }
  for (const r of report.results) {
    lines.push(`  ${r.credential.padEnd(width)}  ${OUTCOME[r.outcome]}${r.failedStep ? ` at ${r.failedStep}` : ''}: ${r.detail}`);
    if (r.current) {
      const age = r.ageMs === null ? '' : `, promoted ${formatDuration(r.ageMs)} ago`;
      const expiry = r.current.expiresAt ? `, expires in ${formatDuration(Date.parse(r.current.expiresAt) - now.getTime())}` : '';
      lines.push(`  ${''.padEnd(width)}  consumers read …${r.current.last4} (${r.current.fingerprint.slice(0, 19)}…)${age}${expiry}`);
    }
    for (const d of r.deleted) lines.push(`  ${''.padEnd(width)}  deleted old token …${d.last4}`);
    for (const a of r.alertErrors) lines.push(`  ${''.padEnd(width)}  alert not published: ${a}`);
  }
  lines.push('');
  lines.push(report.overdue.length > 0 ? `Overdue (not rotated within their period): ${report.overdue.join(', ')}` : 'Overdue: none');
  if (report.orphanCheckError) lines.push(`Orphan check could not run: ${report.orphanCheckError}`);
  else if (report.orphans.length === 0) lines.push('Orphan tokens: none');
  else {
    lines.push('Orphan tokens (service-account tokens no managed credential knows; delete them or manage them):');
    for (const o of report.orphans) {
      lines.push(
        `  ${o.serviceAccount}  ${o.tokenId}  "${o.displayName}"  …${o.last4 ?? '????'}  created ${o.createdAt}${o.createdFor ? `  (made by hf-iam-sync for "${o.createdFor}")` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
