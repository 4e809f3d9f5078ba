import { endToken } from '../../shared/ci-tokens/sweep-ci-tokens.js';
import type { CiTokenRecord } from '../../shared/ports/ci-token-ledger.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { composeCiAdmin, newExchangeId } from '../../composition/ci-token-setup.js';
import { alignColumns } from '../csv.js';
import { EXIT, type CliIo } from '../io.js';
import { actorOf, openState } from '../command-setup.js';

/**
 * `ci-tokens [--policy P] [--json]`: the broker's live tokens (never a value); `ci-tokens revoke
 * --token ID | --policy P --reason "…"`: deletes them on the Hub at once, each recorded in the audit trail.
 */

export interface CiTokensArgs {
  config: string;
  action: string | undefined;
  policy: string | undefined;
  token: string | undefined;
  reason: string | undefined;
  json: boolean;
}

export async function runCiTokensCommand(args: CiTokensArgs, io: CliIo): Promise<number> {
  if (args.action !== undefined && args.action !== 'revoke')
    throw new ConfigError([`ci-tokens takes no argument but "revoke", got "${args.action}"`]);
  if (args.action === 'revoke') checkRevoke(args);
  const { config, doc, table, close } = await openState(args.config, io);
  try {
    const hfToken = io.env.HF_TOKEN?.trim();
    const { ledger, hub } = composeCiAdmin(config, { doc, table }, hfToken);
    const live = (await ledger.listLive()).filter(
      (t) => (args.token ? t.tokenId === args.token : true) && (args.policy ? t.policy === args.policy : true),
    );
    if (args.action !== 'revoke') {
      io.stdout(args.json ? JSON.stringify(live, null, 2) : renderTokens(live));
      return EXIT.ok;
    }
    if (live.length === 0)
      throw new ConfigError([
        `no live broker token matches ${args.token ? `--token ${args.token}` : `--policy ${args.policy}`} (\`hf-iam-sync ci-tokens\` lists them)`,
      ]);
    if (!hfToken) throw new ConfigError(['HF_TOKEN is not set: revoking deletes the tokens on the Hub with an org admin token']);
    const runId = newExchangeId();
    let seq = 0;
    for (const token of live) {
      seq += 1;
      await endToken({ ledger, hub, events: undefined, clock: () => new Date() }, config.policy.organization, token, {
        status: 'revoked',
        reason: args.reason!.trim(),
        actor: actorOf(io),
        runId,
        seq,
      });
      io.stdout(
        `Revoked token ${token.tokenId} (…${token.last4}) of policy ${token.policy}, issued to ${token.claims.repository ?? token.claims.project_path ?? token.claims.sub ?? 'a CI job'}; recorded in run ${runId}.`,
      );
    }
    return EXIT.ok;
  } finally {
    await close();
  }
}

function checkRevoke(args: CiTokensArgs): void {
  const problems = [
    ...((args.token === undefined) === (args.policy === undefined)
      ? ['ci-tokens revoke needs exactly one of --token ID or --policy P']
      : []),
    ...(args.reason?.trim() ? [] : ['ci-tokens revoke needs --reason "…": why, for the audit trail']),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
}

function renderTokens(tokens: readonly CiTokenRecord[]): string {
  if (tokens.length === 0) return 'No live CI tokens.';
  const rows = tokens.map((t) => [
    t.tokenId,
    `…${t.last4}`,
    t.policy,
    t.serviceAccount,
    t.claims.repository ?? t.claims.project_path ?? t.claims.sub ?? '',
    t.claims.ref ?? '',
    t.claims.run_id ?? t.claims.pipeline_id ?? '',
    t.issuedAt,
    t.expiresAt,
  ]);
  return alignColumns([['token', 'last4', 'policy', 'service account', 'repository', 'ref', 'run', 'issued', 'expires'], ...rows]).join(
    '\n',
  );
}
