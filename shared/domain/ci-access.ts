/**
 * CI access: which CI identity (a verified OIDC ID token's issuer and claims) may get which Hub
 * token. Pure: the trust policies, how a token's claims are matched against them, and what a
 * refusal tells the CI author to fix. Verification of the token itself happens before this, in
 * the OIDC adapter; this only ever sees claims whose signature, issuer, audience and times held.
 */

/** An OIDC issuer the broker trusts (GitHub Actions, GitLab, …), pinned by its exact `iss`. */
export interface CiIssuer {
  name: string;
  /** The issuer URL, exactly as the tokens' `iss` claim carries it. */
  url: string;
  /** The `aud` the tokens must carry: by default the organization's name, never the Hub's own. */
  audience: string;
  /** Refuse tokens issued longer ago than this (their `iat`), whatever their `exp` says. */
  maxTokenAgeMs: number;
}

/** A trust policy: one CI identity (exact claims, or globs the author wrote) and what it may get. */
export interface CiPolicy {
  name: string;
  /** The `name` of the issuer whose tokens it trusts. */
  issuer: string;
  /** Claim name → exact value, or a glob where the author wrote `*` (which never matches `/`). */
  claims: Readonly<Record<string, string>>;
  /** The service account the token is created on (its id, name or username on the Hub). */
  serviceAccount: string;
  /** Org-wide fine-grained permissions (the Hub's enum). */
  permissions: readonly string[];
  /** Repositories named as on the Hub: `acme/model`, `datasets/acme/corpus`, `spaces/acme/demo`. */
  repos: readonly string[];
  /** What the token may do on `repos` (the Hub takes one list for all of them). */
  repoPermissions: readonly string[];
  ttlMs: number;
}

export interface CiAccess {
  issuers: readonly CiIssuer[];
  policies: readonly CiPolicy[];
}

/** The audience of the Hub's own Trusted Publishers exchange: a token minted for it is never ours. */
export const HUB_AUDIENCE = 'https://huggingface.co';

/** The claims kept in records and refusals: who ran what, never the whole token. */
const RECORDED_CLAIMS = [
  'sub',
  'repository',
  'repository_owner',
  'ref',
  'environment',
  'job_workflow_ref',
  'event_name',
  'run_id',
  'run_attempt',
  'actor',
  'sha',
  'workflow',
  'project_path',
  'namespace_path',
  'ref_protected',
  'pipeline_id',
  'job_id',
  'user_login',
] as const;

/** True when `pattern` holds a glob the author wrote (`*`); otherwise values compare exactly. */
const isGlob = (pattern: string): boolean => pattern.includes('*');

/**
 * Matches a claim value against a policy's condition: exactly, or — where the author wrote `*` —
 * as a glob in which `*` matches any run of characters other than `/` (so `refs/heads/*` never
 * admits `refs/heads/feature/x`, and `acme/*` never admits `acme/x/y`).
 * @example claimMatches('refs/heads/release-*', 'refs/heads/release-1') === true
 */
export function claimMatches(condition: string, value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
  const actual = String(value);
  if (!isGlob(condition)) return actual === condition;
  const source = condition
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${source}$`).test(actual);
}

/** Why one policy did not match: each condition that failed, in the CI author's words. */
function mismatches(policy: CiPolicy, claims: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(policy.claims).flatMap(([name, condition]) => {
    if (claimMatches(condition, claims[name])) return [];
    const got = claims[name] === undefined ? 'the token has no such claim' : `the token says ${JSON.stringify(claims[name])}`;
    return [`${name} must ${isGlob(condition) ? 'match' : 'be'} ${JSON.stringify(condition)}, ${got}`];
  });
}

export type PolicyChoice =
  { kind: 'chosen'; policy: CiPolicy } | { kind: 'refused'; error: 'unauthorized_client' | 'invalid_target'; description: string };

/**
 * The policy a verified token gets, from those of its issuer: the one `resource` names, or the only
 * one whose claims all match. Every refusal says which claim did not match which policy.
 */
export function choosePolicy(
  access: CiAccess,
  issuer: string,
  claims: Readonly<Record<string, unknown>>,
  resource: string | undefined,
): PolicyChoice {
  const candidates = access.policies.filter((p) => p.issuer === issuer);
  if (resource !== undefined) return chooseNamed(candidates, access, issuer, claims, resource);
  const matched = candidates.filter((p) => mismatches(p, claims).length === 0);
  if (matched.length === 1) return { kind: 'chosen', policy: matched[0]! };
  if (matched.length > 1) {
    const names = matched.map((p) => p.name).join(', ');
    return { kind: 'refused', error: 'invalid_target', description: `the token matches several policies (${names}); name one in resource` };
  }
  return { kind: 'refused', error: 'unauthorized_client', description: noMatch(candidates, issuer, claims) };
}

function chooseNamed(
  candidates: readonly CiPolicy[],
  access: CiAccess,
  issuer: string,
  claims: Readonly<Record<string, unknown>>,
  resource: string,
): PolicyChoice {
  const named = candidates.find((p) => p.name === resource);
  if (!named) {
    const elsewhere = access.policies.find((p) => p.name === resource);
    const why = elsewhere ? `trusts issuer "${elsewhere.issuer}", not "${issuer}"` : 'is not a policy of this broker';
    const known = candidates.map((p) => p.name).join(', ') || 'none';
    return { kind: 'refused', error: 'invalid_target', description: `resource "${resource}" ${why} (policies for this issuer: ${known})` };
  }
  const wrong = mismatches(named, claims);
  if (wrong.length === 0) return { kind: 'chosen', policy: named };
  return {
    kind: 'refused',
    error: 'unauthorized_client',
    description: `policy "${named.name}" does not trust this token: ${wrong.join('; ')}`,
  };
}

function noMatch(candidates: readonly CiPolicy[], issuer: string, claims: Readonly<Record<string, unknown>>): string {
  if (candidates.length === 0) return `no policy trusts issuer "${issuer}"`;
  const each = candidates.map((p) => `policy "${p.name}": ${mismatches(p, claims).join('; ')}`);
  return `the token's claims match no policy — ${each.join(' | ')}`;
}

/** The claims worth recording (who, where, which run), as strings. */
export function recordedClaims(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(RECORDED_CLAIMS.flatMap((name) => (claims[name] === undefined ? [] : [[name, String(claims[name])]])));
}

/**
 * A repository as the Hub names it, split into its kind and id (`acme/m` → model, `datasets/acme/d`).
 * @example parseRepo('datasets/acme/corpus') → { kind: 'dataset', id: 'acme/corpus' }
 */
export function parseRepo(name: string): { kind: 'model' | 'dataset' | 'space'; id: string } | null {
  const parts = name.split('/');
  const kinds = { datasets: 'dataset', spaces: 'space', models: 'model' } as const;
  const prefix = kinds[parts[0] as keyof typeof kinds];
  const rest = prefix ? parts.slice(1) : parts;
  if (rest.length !== 2 || rest.some((p) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(p))) return null;
  return { kind: prefix ?? 'model', id: rest.join('/') };
}

/** One use of a policy from the audit trail: an exchange, issued or refused. */
export interface CiUse {
  policy: string | null;
  outcome: 'issued' | 'refused';
  at: string;
}

/** A policy as an access review lists it: a principal — who it trusts, what it gets, how much it was used. */
export interface CiPrincipal {
  policy: string;
  issuer: string;
  /** The claim conditions: which repository, branch, environment… may use it. */
  trusts: Record<string, string>;
  serviceAccount: string;
  permissions: string[];
  repos: string[];
  repoPermissions: string[];
  ttlMinutes: number;
  /** In the review's period. */
  issued: number;
  refused: number;
  lastIssuedAt: string | null;
}

/** Every configured policy, with its use in the period (refusals naming no policy are not anyone's). */
export function ciPrincipals(policies: readonly CiPolicy[], uses: readonly CiUse[]): CiPrincipal[] {
  return policies.map((p) => {
    const mine = uses.filter((u) => u.policy === p.name);
    const issued = mine
      .filter((u) => u.outcome === 'issued')
      .map((u) => u.at)
      .sort();
    return {
      policy: p.name,
      issuer: p.issuer,
      trusts: { ...p.claims },
      serviceAccount: p.serviceAccount,
      permissions: [...p.permissions],
      repos: [...p.repos],
      repoPermissions: [...p.repoPermissions],
      ttlMinutes: Math.round(p.ttlMs / 60_000),
      issued: issued.length,
      refused: mine.length - issued.length,
      lastIssuedAt: issued.at(-1) ?? null,
    };
  });
}

/** What the audit trail keeps of a CI token exchange (never the token): policy, issuer, claims, the token's id and last four. */
export interface CiExchangeFacts {
  policy: string | null;
  issuer: string | null;
  claims: Record<string, string>;
  tokenId?: string;
  last4?: string;
  expiresAt?: string;
  /** A refusal's RFC 6749 error code. */
  error?: string;
}
