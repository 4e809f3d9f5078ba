import { choosePolicy, recordedClaims, type CiAccess, type CiPolicy } from '../domain/ci-access.js';
import type { CiTokenLedger, CiTokenRecord } from '../ports/ci-token-ledger.js';
import type { EventSink } from '../ports/event-sink.js';
import type { HubTokens } from '../ports/hub-tokens.js';
import type { IdTokenVerifier, VerifiedIdToken } from '../ports/id-token-verifier.js';
import type { ChangeRecord } from '../ports/audit-trail.js';
import { describeError, IdTokenRejectedError } from '../runtime/errors.js';
import type { OAuthError, Parsed } from './exchange-request.js';
import type { GrantCache } from './grant-cache.js';

/**
 * exchangeCiToken — a CI job's OIDC ID token for a least-privilege Hub token that dies on time.
 *
 * Primary course:
 *   1. verify the ID token (issuer pinned, signature, audience, times: the verifier)
 *   2. choose the one policy whose claims it meets (or the one `resource` names)
 *   3. claim its `jti` (a conditional write): a replay stops here
 *   4. create the token on the policy's service account with exactly the policy's grant (one Hub call)
 *   5. record it (the ledger, with its audit record, in one write) and announce `CiTokenIssued`
 *
 * Every refusal — a malformed request, or steps 1–3 — makes no Hub call and issues nothing; it is recorded (reason and
 * claims, never the token) and announced as `CiTokenRefused`. If the record of an issued token
 * cannot be written, the token is deleted at once: a token the sweeper does not know would never die.
 * An exchange that fails after step 3 gives its `jti` back, so the job's retry is not taken for a replay.
 */

export type ExchangeHub = Pick<HubTokens, 'listServiceAccounts' | 'repoId' | 'createToken' | 'deleteToken'>;

export interface CiBrokerPorts {
  verifier: IdTokenVerifier;
  ledger: CiTokenLedger;
  /** The Hub with the broker's admin token, made on first use: a refusal never reads the secret. */
  hub: () => Promise<ExchangeHub>;
  grants: GrantCache;
  events: EventSink | undefined;
  clock: () => Date;
  newRunId: () => string;
}

export interface CiBrokerSettings {
  organization: string;
  ciAccess: CiAccess;
}

export type ExchangeOutcome =
  | { kind: 'issued'; token: string; expiresInSeconds: number; record: CiTokenRecord }
  | { kind: 'refused'; status: number; error: OAuthError; description: string; policy: string | null }
  | { kind: 'failed'; status: number; description: string };

type Refusal = Extract<ExchangeOutcome, { kind: 'refused' }>;

/**
 * Never throws: a table, issuer or Hub that fails makes a `failed` outcome (503, nothing issued,
 * the job retries) — a refusal whose record cannot be written too, so no refusal goes unrecorded.
 * @example await exchangeCiToken(ports, settings, parseExchange(http))
 */
export async function exchangeCiToken(ports: CiBrokerPorts, settings: CiBrokerSettings, parsed: Parsed): Promise<ExchangeOutcome> {
  return exchange(ports, settings, parsed).catch(failed);
}

async function exchange(ports: CiBrokerPorts, settings: CiBrokerSettings, parsed: Parsed): Promise<ExchangeOutcome> {
  const runId = ports.newRunId();
  if (parsed.kind === 'refused') return refuse(ports, settings, runId, null, { ...parsed, policy: null });
  const { request } = parsed;
  // The admin token is read (not used) while the ID token is verified: a cold start waits for the
  // longer of the two, not both. Nothing reaches the Hub before the token has passed every check.
  const hub = ports.hub();
  hub.catch(() => undefined);
  let verified: VerifiedIdToken;
  try {
    verified = await ports.verifier.verify(request.subjectToken);
  } catch (error) {
    if (!(error instanceof IdTokenRejectedError)) return failed(error);
    return refuse(ports, settings, runId, null, {
      kind: 'refused',
      status: 400,
      error: 'invalid_grant',
      description: error.description,
      policy: null,
    });
  }
  const choice = choosePolicy(settings.ciAccess, verified.issuer.name, verified.claims, request.resource);
  if (choice.kind === 'refused') {
    return refuse(ports, settings, runId, verified, {
      kind: 'refused',
      status: 400,
      error: choice.error,
      description: choice.description,
      policy: request.resource ?? null,
    });
  }
  if (!(await ports.ledger.claimJti(verified.issuer.name, verified.jti, verified.expiresAt))) {
    const description = `this ID token (jti ${verified.jti}) was exchanged before; each token is exchanged once — request a fresh one`;
    return refuse(ports, settings, runId, verified, {
      kind: 'refused',
      status: 400,
      error: 'invalid_grant',
      description,
      policy: choice.policy.name,
    });
  }
  try {
    return await issue(ports, await hub, settings, runId, verified, choice.policy);
  } catch (error) {
    // Nothing was issued: the job may retry with the same ID token (a kill here leaves it spent: it asks for a fresh one).
    await ports.ledger.releaseJti(verified.issuer.name, verified.jti).catch(() => undefined);
    throw error;
  }
}

async function issue(
  ports: CiBrokerPorts,
  hub: ExchangeHub,
  settings: CiBrokerSettings,
  runId: string,
  verified: VerifiedIdToken,
  policy: CiPolicy,
): Promise<ExchangeOutcome> {
  const now = ports.clock();
  const grant = await ports.grants.resolve(hub, policy, now.getTime());
  const minted = await hub.createToken(grant.serviceAccountId, `hf-iam-sync-ci/${policy.name}/${runId}`.slice(0, 100), policy.permissions, {
    repoIds: grant.repoIds,
    repoPermissions: policy.repoPermissions,
  });
  const record: CiTokenRecord = {
    tokenId: minted.id,
    last4: minted.value.slice(-4),
    policy: policy.name,
    serviceAccountId: grant.serviceAccountId,
    serviceAccount: grant.serviceAccountUser,
    issuer: verified.issuer.name,
    claims: recordedClaims(verified.claims),
    permissions: [...policy.permissions],
    repos: [...policy.repos],
    repoPermissions: [...policy.repoPermissions],
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + policy.ttlMs).toISOString(),
    runId,
    status: 'live',
  };
  try {
    await ports.ledger.recordIssued(record, auditOf(settings, runId, now, { record }));
  } catch (error) {
    await hub.deleteToken(grant.serviceAccountId, minted.id).catch(() => undefined);
    throw error;
  }
  await announce(ports, 'hf-iam-sync.CiTokenIssued', { organization: settings.organization, ...withoutStatus(record) });
  return { kind: 'issued', token: minted.value, expiresInSeconds: Math.floor(policy.ttlMs / 1000), record };
}

async function refuse(
  ports: CiBrokerPorts,
  settings: CiBrokerSettings,
  runId: string,
  verified: VerifiedIdToken | null,
  refusal: Refusal,
): Promise<Refusal> {
  const now = ports.clock();
  const facts = { issuer: verified?.issuer.name ?? null, claims: verified ? recordedClaims(verified.claims) : {}, refusal };
  await ports.ledger.recordRefused(auditOf(settings, runId, now, facts));
  await announce(ports, 'hf-iam-sync.CiTokenRefused', {
    organization: settings.organization,
    runId,
    policy: refusal.policy,
    issuer: facts.issuer,
    claims: facts.claims,
    error: refusal.error,
    description: refusal.description,
  });
  return refusal;
}

/** An exchange the broker could not complete (the Hub, the table, the issuer): nothing issued, the job may retry. */
function failed(error: unknown): ExchangeOutcome {
  return {
    kind: 'failed',
    status: 503,
    description: `the broker could not complete the exchange; nothing was issued, try again (${describeError(error)})`,
  };
}

type AuditFacts = { record: CiTokenRecord } | { issuer: string | null; claims: Record<string, string>; refusal: Refusal };

/** The exchange's audit record: one change of its own run, under the service account's name. */
function auditOf(settings: CiBrokerSettings, runId: string, now: Date, facts: AuditFacts): ChangeRecord {
  const base = {
    runId,
    seq: 1,
    organization: settings.organization,
    oktaUserId: null,
    before: null,
    after: null,
    trigger: 'ci' as const,
    at: now.toISOString(),
  };
  if ('record' in facts) {
    const r = facts.record;
    return {
      ...base,
      user: r.serviceAccount,
      action: 'ci-token-issue',
      effect: 'grant',
      outcome: 'applied',
      actor: actorOf(r.claims),
      reasons: [`policy ${r.policy} trusts ${describeClaims(r.claims)}; token ${r.tokenId} (…${r.last4}) until ${r.expiresAt}`],
      ci: { policy: r.policy, issuer: r.issuer, claims: r.claims, tokenId: r.tokenId, last4: r.last4, expiresAt: r.expiresAt },
    };
  }
  const { refusal } = facts;
  return {
    ...base,
    user: '-',
    action: 'ci-token-issue',
    effect: 'none',
    outcome: 'failed',
    actor: actorOf(facts.claims),
    reasons: [`refused: ${refusal.description}`],
    error: `${refusal.error}: ${refusal.description}`,
    ci: { policy: refusal.policy, issuer: facts.issuer, claims: facts.claims, error: refusal.error },
  };
}

const actorOf = (claims: Record<string, string>) => claims.actor ?? claims.user_login ?? claims.sub ?? 'ci';
const describeClaims = (claims: Record<string, string>) =>
  ['repository', 'project_path', 'ref', 'environment', 'run_id', 'pipeline_id']
    .filter((k) => claims[k])
    .map((k) => `${k}=${claims[k]}`)
    .join(', ') ||
  claims.sub ||
  'the job';
const withoutStatus = ({ status: _s, ...rest }: CiTokenRecord) => rest;

/** Events are best effort here: the audit record written before them is the evidence. */
async function announce(ports: CiBrokerPorts, detailType: string, detail: Record<string, unknown>): Promise<void> {
  await ports.events?.publish([{ detailType, detail }]).catch(() => undefined);
}
