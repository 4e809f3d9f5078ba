import type { CiIssuer } from '../domain/ci-access.js';

/** A CI job's ID token whose signature, issuer, audience and times were checked. */
export interface VerifiedIdToken {
  issuer: CiIssuer;
  claims: Record<string, unknown>;
  jti: string;
  expiresAt: Date;
}

/**
 * Verifies OIDC ID tokens against the configured issuers, as strictly as AWS STS: the issuer
 * pinned, keys from its discovery document, RS256/ES256 only, the configured audience, `exp`,
 * `nbf` and `iat` within 60 s, a maximum age, a `jti`. A refusal is an `IdTokenRejectedError`
 * saying what to fix; an issuer that cannot be reached is an `UpstreamError`.
 */
export interface IdTokenVerifier {
  verify(token: string): Promise<VerifiedIdToken>;
}
