import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compareReviews, type AccessReview } from '../../shared/domain/access-review.js';
import { renderAccessReviewHtml } from '../../shared/domain/access-review-html.js';
import { runAccessReview } from '../../shared/reconcile/access-review.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { alignColumns, renderCsv, type Column } from '../csv.js';
import { EXIT, type CliIo } from '../io.js';
import { openCommand } from '../command-setup.js';

/**
 * `access-review [--format table|csv|json|html] [--out FILE] [--compare PREVIOUS.json]`: who has access
 * today and why, as evidence for a user-access review; `--compare` adds what changed since the
 * review in PREVIOUS.json (keep each review's JSON to compare the next one with).
 */

export interface AccessReviewArgs {
  config: string;
  format: 'table' | 'csv' | 'json' | 'html';
  out: string | undefined;
  compare: string | undefined;
}

const COLUMNS: Array<Column<AccessReview['rows'][number]>> = [
  ['user', (r) => r.user],
  ['role', (r) => r.role],
  ['resource_groups', (r) => r.resourceGroups.map((rg) => `${rg.name}:${rg.role}`).join('; ')],
  ['okta_login', (r) => r.oktaLogin ?? ''],
  ['granted_by', (r) => r.grantedBy.join('; ')],
  ['since', (r) => r.since ?? ''],
  ['last_change', (r) => (r.lastChange ? `${r.lastChange.action} by ${r.lastChange.actor} (run ${r.lastChange.runId})` : '')],
  ['flags', (r) => r.flags.join('; ')],
];

function renderTable(review: AccessReview): string {
  const header = ['user', 'role', 'resource groups', 'okta login', 'granted by', 'since', 'flags'];
  const rows = review.rows.map((r) => [
    r.user,
    r.role,
    r.resourceGroups.map((rg) => `${rg.name}:${rg.role}`).join(', ') || '-',
    r.oktaLogin ?? '-',
    r.grantedBy[0] ?? '-',
    r.since?.slice(0, 10) ?? '-',
    r.flags.map((f) => f.split(' (')[0]).join(', '),
  ]);
  const counts = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  return [
    `Access review of "${review.organization}", ${review.generatedAt}: ${review.summary.members} members`,
    `  by role: ${counts(review.summary.byRole)}`,
    `  by resource group: ${counts(review.summary.byResourceGroup)}`,
    `  flags: ${counts(review.summary.byFlag)}`,
    '',
    ...alignColumns([header, ...rows]).map((line) => line.trimEnd()),
    ...(review.ciPrincipals
      ? [
          '',
          `CI principals (ciAccess policies; use since ${review.ciPeriodStart?.slice(0, 10)}):`,
          ...renderPrincipals(review.ciPrincipals),
        ]
      : []),
  ].join('\n');
}

function renderPrincipals(principals: NonNullable<AccessReview['ciPrincipals']>): string[] {
  const rows = principals.map((p) => [
    p.policy,
    `${p.issuer}: ${Object.entries(p.trusts)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    p.serviceAccount,
    [...p.permissions, ...(p.repos.length ? [`${p.repoPermissions.join('+')} on ${p.repos.join(', ')}`] : [])].join('; '),
    `${p.ttlMinutes}m`,
    String(p.issued),
    String(p.refused),
    p.lastIssuedAt?.slice(0, 16) ?? '-',
  ]);
  return alignColumns([['policy', 'trusts', 'service account', 'gets', 'ttl', 'issued', 'refused', 'last issued'], ...rows]).map(
    (line) => `  ${line.trimEnd()}`,
  );
}

export async function runAccessReviewCommand(args: AccessReviewArgs, io: CliIo): Promise<number> {
  const previous =
    args.compare === undefined
      ? undefined
      : await readFile(resolve(io.cwd, args.compare), 'utf8')
          .then((t) => JSON.parse(t) as AccessReview)
          .catch((error: unknown) => {
            throw new ConfigError([
              `--compare needs the JSON of an earlier review (access-review --format json --out FILE): cannot read ${args.compare}: ${(error as Error).message}`,
            ]);
          });
  if (previous && previous.format !== 'hf-iam-sync.access-review/1')
    throw new ConfigError([`--compare: ${args.compare} is not an access review's JSON`]);
  const { config, composition } = await openCommand(args.config, io);
  try {
    io.progress?.('reading Okta and the Hub…');
    const review = await runAccessReview(composition.ports, config);
    io.progress?.('');
    const changes = previous ? compareReviews(previous, review) : undefined;
    const text =
      args.format === 'html'
        ? renderAccessReviewHtml(review)
        : args.format === 'json'
          ? JSON.stringify(changes ? { ...review, compared: { with: previous!.generatedAt, changes } } : review, null, 2)
          : args.format === 'csv'
            ? renderCsv(COLUMNS, review.rows)
            : `${renderTable(review)}${changes ? `\n\nChanges since the review of ${previous!.generatedAt}:\n${changes.map((c) => `  ${c}`).join('\n') || '  none'}` : ''}`;
    if (args.out) {
      await writeFile(resolve(io.cwd, args.out), `${text}\n`);
      io.stderr(`Access review written to ${args.out} (${review.summary.members} members).`);
    } else io.stdout(text);
    if (changes && (args.format === 'csv' || args.format === 'html'))
      io.stderr(`Changes since the review of ${previous!.generatedAt}:\n${changes.join('\n') || 'none'}`);
    return EXIT.ok;
  } finally {
    await composition.close();
  }
}
