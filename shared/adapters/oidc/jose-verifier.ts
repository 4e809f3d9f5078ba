import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { HUB_AUDIENCE, type CiIssuer } from '../../domain/ci-access.js';
import type { IdTokenVerifier, VerifiedIdToken } from '../../ports/id-token-verifier.js';
import { requestTimeout } from '../../runtime/deadline.js';
import { IdTokenRejectedError, UpstreamError } from '../../runtime/errors.js';

/**
 * `IdTokenVerifier` with `jose`: no hand-written crypto. Per issuer, the discovery document
 * (`/.well-known/openid-configuration`) is read once per container and its `jwks_uri`'s keys kept
 * (for ten minutes) as a jose key set; a token with an unknown `kid` makes the keys be read again —
 * at most once a minute (`cooldownMs`), so a flood of tokens with made-up key ids cannot make the
 * broker hammer the issuer. The keys are fetched here rather than by jose's remote key set, which
 * uses the global `Headers` and so loads undici: tens of ms of a cold start.
 */

const ALGORITHMS = ['RS256', 'ES256'];
const CLOCK_SKEW_S = 60;

export interface JoseVerifierOptions {
  /** Least time between two fetches of an issuer's JWKS (default one minute). */
  cooldownMs?: number;
  /** The HTTP client for discovery and keys (default Node's fetch; the broker gives node-fetch, lighter to load cold). */
  fetch?: OidcFetch;
}

/** What discovery and the key read need of a fetch: Node's and node-fetch 2 both are one. */
type OidcFetch = (
  url: string,
  init: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** One issuer's keys: when read, and the jose key set made of them. */
class IssuerKeys {
  #set: Promise<KeySet> | undefined;
  #readAt = 0;

  constructor(
    readonly issuer: CiIssuer,
    readonly fetcher: OidcFetch,
    readonly cooldownMs: number,
  ) {}

  /**
   * The key set; read again when ten minutes old, or (`unknownKid`) when a minute has passed since
   * the last read. The read's time is taken when it starts, so concurrent exchanges share one read.
   */
  keys(unknownKid = false): Promise<KeySet> {
    const age = Date.now() - this.#readAt;
    if (this.#set && age < CACHE_MS && !(unknownKid && age >= this.cooldownMs)) return this.#set;
    this.#readAt = Date.now();
    const set = readKeys(this.issuer, this.fetcher);
    // A failed read is not kept: the next exchange reads again.
    set.catch(() => {
      if (this.#set === set) this.#set = undefined;
    });
    this.#set = set;
    return set;
  }
}

const CACHE_MS = 600_000;

export class JoseIdTokenVerifier implements IdTokenVerifier {
  readonly #keys = new Map<string, IssuerKeys>();

  constructor(
    readonly issuers: readonly CiIssuer[],
    readonly options: JoseVerifierOptions = {},
  ) {}

  async verify(token: string): Promise<VerifiedIdToken> {
    const unverified = peek(token);
    const issuer = this.issuers.find((i) => i.url === unverified.iss);
    if (!issuer) {
      const known = this.issuers.map((i) => i.url).join(', ') || 'none';
      throw new IdTokenRejectedError(`issuer ${JSON.stringify(unverified.iss ?? null)} is not trusted (trusted issuers: ${known})`);
    }
    const keys = this.#issuerKeys(issuer);
    const options = {
      issuer: issuer.url,
      audience: issuer.audience,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_SKEW_S,
      maxTokenAge: `${Math.floor(issuer.maxTokenAgeMs / 1000)}s`,
      requiredClaims: ['exp', 'iat', 'jti'],
    };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keys.keys(), options).catch(async (error: unknown) => {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        // A key the issuer may have rotated in since the keys were read.
        return jwtVerify(token, await keys.keys(true), options);
      }));
    } catch (error) {
      throw refusal(error, issuer, unverified);
    }
    return { issuer, claims: payload as Record<string, unknown>, jti: String(payload.jti), expiresAt: new Date(payload.exp! * 1000) };
  }

  #issuerKeys(issuer: CiIssuer): IssuerKeys {
    let keys = this.#keys.get(issuer.url);
    if (!keys) {
      keys = new IssuerKeys(issuer, this.options.fetch ?? ((url, init) => fetch(url, init)), this.options.cooldownMs ?? 60_000);
      this.#keys.set(issuer.url, keys);
    }
    return keys;
  }
}

/** The issuer's keys: its discovery document's `jwks_uri`, read (a failed read throws and is not kept). */
async function readKeys(issuer: CiIssuer, fetcher: OidcFetch): Promise<KeySet> {
  const uri = await discover(issuer, fetcher);
  const set = (await getJson(fetcher, uri, `read the JWKS of issuer ${issuer.name}`)) as { keys?: unknown };
  if (!Array.isArray(set.keys)) throw new UpstreamError('oidc', `read the JWKS of issuer ${issuer.name}`, 'the answer has no keys array');
  return createLocalJWKSet(set as Parameters<typeof createLocalJWKSet>[0]);
}

async function getJson(fetcher: OidcFetch, url: string, operation: string): Promise<unknown> {
  try {
    const answer = await fetcher(url, { signal: AbortSignal.timeout(requestTimeout(5_000)), headers: { accept: 'application/json' } });
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    return await answer.json();
  } catch (error) {
    throw new UpstreamError('oidc', operation, (error as Error).message, undefined, { cause: error });
  }
}

/** The token's header and payload before any check: only to pick the issuer and word refusals. */
function peek(token: string): JWTPayload & { alg?: string } {
  try {
    return { ...decodeJwt(token), alg: decodeProtectedHeader(token).alg };
  } catch {
    throw new IdTokenRejectedError('subject_token is not a JWT (three base64url parts: header, payload, signature)');
  }
}

async function discover(issuer: CiIssuer, fetcher: OidcFetch): Promise<string> {
  const url = `${issuer.url.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const document = (await getJson(fetcher, url, `read the discovery document of issuer ${issuer.name}`)) as {
    issuer?: unknown;
    jwks_uri?: unknown;
  };
  // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
  if (document.issuer !== issuer.url || typeof document.jwks_uri !== 'string') {
    throw new UpstreamError(
      'oidc',
      `read the discovery document of issuer ${issuer.name}`,
      `it names issuer ${JSON.stringify(document.issuer)} (expected ${issuer.url}) or has no jwks_uri`,
    );
  }
  return document.jwks_uri;
}

/** jose's error, in the CI author's words. */
function refusal(error: unknown, issuer: CiIssuer, token: JWTPayload & { alg?: string }): Error {
  // jose reports a token past maxTokenAge as expired too, naming `iat`.
  if (error instanceof errors.JWTExpired && error.claim !== 'iat')
    return new IdTokenRejectedError(`the token expired at ${iso(token.exp)}; request a fresh one`, { cause: error });
  if (error instanceof errors.JWTExpired) return new IdTokenRejectedError(claimProblem('iat', issuer, token), { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed)
    return new IdTokenRejectedError(claimProblem(error.claim, issuer, token), { cause: error });
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new IdTokenRejectedError(`alg ${JSON.stringify(token.alg)} is not allowed (only ${ALGORITHMS.join(', ')})`, { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    return new IdTokenRejectedError(`no key of issuer ${issuer.name}'s JWKS matches the token's kid`, { cause: error });
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new IdTokenRejectedError('the signature does not verify: the token was altered, or not signed by the issuer', { cause: error });
  if (!(error instanceof errors.JOSEError))
    return error instanceof UpstreamError
      ? error
      : new UpstreamError('oidc', `verify a token of issuer ${issuer.name}`, (error as Error).message, undefined, { cause: error });
  return new IdTokenRejectedError(`the token is malformed (${(error as Error).message})`, { cause: error });
}

function claimProblem(claim: string, issuer: CiIssuer, token: JWTPayload): string {
  const aud = [token.aud ?? []].flat();
  switch (claim) {
    case 'aud':
      return aud.includes(HUB_AUDIENCE)
        ? `aud is ${HUB_AUDIENCE}: the token was minted for the Hub's own exchange (Trusted Publishers); ask your CI for one with audience ${JSON.stringify(issuer.audience)} for this broker (audiences are never shared, RFC 8725 §3.9)`
        : `aud must be ${JSON.stringify(issuer.audience)}, the token says ${JSON.stringify(token.aud ?? null)}; request the ID token with that audience`;
    case 'nbf':
      return `the token is not valid before ${iso(token.nbf)} (more than ${CLOCK_SKEW_S} s ahead)`;
    case 'iat':
      return `the token was issued at ${iso(token.iat)}: older than ${Math.round(issuer.maxTokenAgeMs / 60_000)} min (the issuer's maxTokenAge) or in the future; exchange it as soon as it is minted`;
    case 'jti':
      return 'the token has no jti, so a replay could not be told apart';
    default:
      return `claim ${claim} failed its check`;
  }
}

const iso = (seconds: number | undefined) => (seconds === undefined ? 'an unknown time' : new Date(seconds * 1000).toISOString());
