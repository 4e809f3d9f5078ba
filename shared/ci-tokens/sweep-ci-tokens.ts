import type { CiAccess } from '../domain/ci-access.js';
import type { CiTokenLedger, CiTokenRecord } from '../ports/ci-token-ledger.js';
import type { EventSink } from '../ports/event-sink.js';
import type { HubTokens } from '../ports/hub-tokens.js';
import type { ChangeRecord } from '../ports/audit-trail.js';
import { describeError, UpstreamError } from '../runtime/errors.js';
import { findServiceAccount } from './grant-cache.js';

/**
 * sweepCiTokens — what makes broker tokens die on time (the Hub's service-account tokens have no
 * expiry of their own).
 *
 * Primary course:
 *   1. every live token past its expiry, or whose policy is no longer configured, is deleted on the
 *      Hub, then recorded ended (the ledger and its audit record, one write)
 *   2. every other token of a broker-managed service account (a policy's, or a live record's) that
 *      no live record explains and that is older than the broker's longest invocation is deleted
 *
 * Killed anywhere, it leaves nothing the next sweep does not finish: a token deleted but not yet
 * recorded is deleted again (a 404 counts as deleted) and recorded; one recorded and not deleted
 * cannot be, since the record is written after the deletion. A sweep that cannot reach the Hub throws.
 */

type SweepHub = Pick<HubTokens, 'listServiceAccounts' | 'listTokens' | 'deleteToken'>;

export interface SweepPorts {
  ledger: CiTokenLedger;
  hub: SweepHub;
  events: EventSink | undefined;
  clock: () => Date;
  newRunId: () => string;
}

/** A token younger than this may be one an exchange has created and not yet recorded. */
const ORPHAN_GRACE_MS = 5 * 60_000;

export interface SweepReport {
  runId: string;
  live: number;
  deleted: Array<{ tokenId: string; policy: string; reason: string }>;
  orphansDeleted: Array<{ tokenId: string; serviceAccount: string }>;
  failed: Array<{ tokenId: string; error: string }>;
}

export async function sweepCiTokens(
  ports: SweepPorts,
  settings: { organization: string; ciAccess: CiAccess },
  actor = 'ci-token-sweeper',
): Promise<SweepReport> {
  const runId = ports.newRunId();
  const report: SweepReport = { runId, live: 0, deleted: [], orphansDeleted: [], failed: [] };
  const now = ports.clock();
  const configured = new Set(settings.ciAccess.policies.map((p) => p.name));
  const live = await ports.ledger.listLive();
  const ending = live.flatMap((t) => {
    const reason = !configured.has(t.policy)
      ? `policy ${t.policy} is no longer configured`
      : Date.parse(t.expiresAt) <= now.getTime()
        ? 'its TTL ended'
        : null;
    return reason ? [{ token: t, reason }] : [];
  });
  for (const { token, reason } of ending) {
    const ended = await endToken(ports, settings.organization, token, {
      status: 'deleted',
      reason,
      actor,
      runId,
      seq: report.deleted.length + 1,
    }).catch((error: unknown) => {
      report.failed.push({ tokenId: token.tokenId, error: describeError(error) });
      return false;
    });
    if (ended) report.deleted.push({ tokenId: token.tokenId, policy: token.policy, reason });
  }
  const kept = live.filter((t) => !report.deleted.some((d) => d.tokenId === t.tokenId));
  report.live = kept.length;
  await sweepOrphans(ports, settings, kept, report, now);
  if (report.failed.length > 0) {
    const first = report.failed[0]!;
    throw new UpstreamError(
      'huggingface',
      'sweep CI tokens',
      `${report.failed.length} token(s) could not be deleted (first: ${first.tokenId}: ${first.error}); the next sweep tries again`,
    );
  }
  return report;
}

/** Tokens of broker-managed service accounts that no live record explains. */
async function sweepOrphans(
  ports: SweepPorts,
  settings: { ciAccess: CiAccess },
  kept: readonly CiTokenRecord[],
  report: SweepReport,
  now: Date,
): Promise<void> {
  const accounts = new Map(kept.map((t) => [t.serviceAccountId, t.serviceAccount]));
  if (settings.ciAccess.policies.length > 0) {
    const all = await ports.hub.listServiceAccounts();
    for (const policy of settings.ciAccess.policies) {
      const account = findServiceAccount(all, policy.serviceAccount);
      if (account) accounts.set(account.id, account.user);
    }
  }
  const explained = new Set(kept.map((t) => t.tokenId));
  for (const [id, user] of accounts) {
    const tokens = await ports.hub.listTokens(id);
    for (const token of tokens.filter((t) => !explained.has(t.id) && now.getTime() - Date.parse(t.createdAt) > ORPHAN_GRACE_MS)) {
      try {
        await ports.hub.deleteToken(id, token.id);
        report.orphansDeleted.push({ tokenId: token.id, serviceAccount: user });
      } catch (error) {
        report.failed.push({ tokenId: token.id, error: describeError(error) });
      }
    }
  }
}

export interface EndRequest {
  status: 'deleted' | 'revoked';
  reason: string;
  actor: string;
  runId: string;
  seq: number;
}

/** Deletes one token on the Hub, then records it ended; true once both are done. */
export async function endToken(
  ports: Pick<SweepPorts, 'ledger' | 'hub' | 'events' | 'clock'>,
  organization: string,
  token: CiTokenRecord,
  end: EndRequest,
): Promise<true> {
  await ports.hub.deleteToken(token.serviceAccountId, token.tokenId);
  const now = ports.clock();
  const ended: CiTokenRecord = { ...token, status: end.status, endedAt: now.toISOString(), endReason: end.reason };
  const audit: ChangeRecord = {
    runId: end.runId,
    seq: end.seq,
    organization,
    user: token.serviceAccount,
    oktaUserId: null,
    action: end.status === 'deleted' ? 'ci-token-delete' : 'ci-token-revoke',
    effect: 'revoke',
    before: null,
    after: null,
    reasons: [`token ${token.tokenId} (…${token.last4}) of policy ${token.policy}: ${end.reason}`],
    trigger: end.status === 'deleted' ? 'ci' : 'cli',
    actor: end.actor,
    outcome: 'applied',
    at: now.toISOString(),
    ci: {
      policy: token.policy,
      issuer: token.issuer,
      claims: token.claims,
      tokenId: token.tokenId,
      last4: token.last4,
      expiresAt: token.expiresAt,
    },
  };
  await ports.ledger.recordEnded(ended, audit);
  if (end.status === 'revoked') {
    await ports.events
      ?.publish([
        {
          detailType: 'hf-iam-sync.CiTokenRevoked',
          detail: { organization, tokenId: token.tokenId, policy: token.policy, reason: end.reason, actor: end.actor },
        },
      ])
      .catch(() => undefined);
  }
  return true;
}
