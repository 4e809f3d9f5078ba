import { detectOutOfBand, MEMBERSHIP_EVENT_TYPES } from '../../shared/domain/out-of-band.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { EXIT, type CliIo } from '../io.js';
import { parseTimeFlag } from '../time-flag.js';
import { openCommand } from '../command-setup.js';

/**
 * `drift`: membership changes made on the Hub outside hf-iam-sync since the last run (or
 * `--since`), from the Hub's own audit log: who, what, when. Read-only; the next reconcile
 * reverts what disagrees with Okta.
 */
export async function runDriftCommand(args: { config: string; since: string | undefined; json: boolean }, io: CliIo): Promise<number> {
  const problems: string[] = [];
  const sinceFlag = parseTimeFlag('since', args.since, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const { config, composition } = await openCommand(args.config, io);
  try {
    const { hub, state } = composition.ports;
    const org = config.policy.organization;
    const [me, last, log] = await Promise.all([hub.whoami(), state.lastFinishedRun(org), hub.readAuditLog(MEMBERSHIP_EVENT_TYPES)]);
    const since = sinceFlag ?? last?.startedAt ?? new Date(Date.now() - 7 * 86_400_000).toISOString();
    const changes = detectOutOfBand(log, { since, ourUser: me.user });
    if (args.json) {
      io.stdout(
        JSON.stringify(
          { organization: org, since, sinceRun: args.since ? null : (last?.runId ?? null), ourUser: me.user, changes },
          null,
          2,
        ),
      );
    } else if (changes.length === 0) {
      io.stdout(`No membership changes on "${org}" outside hf-iam-sync since ${since}.`);
    } else {
      io.stdout(
        `Membership changes on "${org}" made outside hf-iam-sync since ${since}${last && !args.since ? ` (run ${last.runId})` : ''}:\n`,
      );
      for (const c of changes) io.stdout(`  ${c.at}  ${c.author.padEnd(16)} ${c.type.padEnd(28)} ${c.message}`);
      io.stdout('\nThe next reconcile reverts those that disagree with Okta; `hf-iam-sync plan` shows which.');
    }
    return EXIT.ok;
  } finally {
    await composition.close();
  }
}
