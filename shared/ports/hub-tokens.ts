import type { TokenAccess } from '../domain/token-check.js';

/**
 * The Hub's token-issuing calls: service accounts and their tokens, token verification, and the
 * organization's OAuth token exchange. Token values cross this port only as return values of the
 * calls that mint them and as the argument of `whoami`; adapters never put them in errors.
 */

export interface ServiceAccountRef {
  id: string;
  /** The account's Hub username (what whoami-v2 answers as). */
  user: string;
  name: string;
}

export interface TokenMeta {
  id: string;
  displayName: string;
  createdAt: string;
  last4: string | null;
}

export interface MintedToken {
  value: string;
  id: string;
}

export interface TokenIdentity extends TokenAccess {
  user: string;
  email: string | null;
  /** Other organizations the token reaches (a token-exchange app bound elsewhere shows here). */
  otherOrgs: string[];
}

export interface RepoGrant {
  repoIds: readonly string[];
  repoPermissions: readonly string[];
}

export interface ExchangedToken {
  value: string;
  expiresInSeconds: number;
  scope: string[];
}

export interface HubTokens {
  listServiceAccounts(): Promise<ServiceAccountRef[]>;
  /** Token metadata (never values) of one service account. */
  listTokens(serviceAccountId: string): Promise<TokenMeta[]>;
  /**
   * Not retried on a 5xx (a retry could mint twice); failure ⇒ maybe a token exists: find it by `displayName`.
   * `repos`: the repository ids (24 hex) the token gets `repoPermissions` on, besides its org-wide `permissions`.
   */
  createToken(serviceAccountId: string, displayName: string, permissions: readonly string[], repos?: RepoGrant): Promise<MintedToken>;
  /**
   * A repository's id as the token API takes it (`GET /api/{models|datasets|spaces}/{ns}/{name}` → `_id`); `NotFoundError` when there
   * is none.
   */
  repoId(repo: { kind: 'model' | 'dataset' | 'space'; id: string }): Promise<string>;
  /** Failure ⇒ the token still works. A token already gone counts as deleted. */
  deleteToken(serviceAccountId: string, tokenId: string): Promise<void>;
  /** The Hub's rotate: the old token dies at once. Failure ⇒ maybe rotated: the old id then answers 404. */
  rotateToken(serviceAccountId: string, tokenId: string): Promise<MintedToken>;
  /** Who `token` is, asked with that token. A refused token throws `TokenRejectedError`. */
  whoami(token: string): Promise<TokenIdentity>;
  /** RFC 8693 exchange for an org-scoped token for the member with `email`; misconfiguration throws `TokenExchangeError`. */
  exchangeToken(request: { email: string; scope: readonly string[] | undefined }): Promise<ExchangedToken>;
  /**
   * Fully invalidates tokens by value (`POST /api/credentials/revoke`; the owner is emailed). The
   * only way to end an exchanged token early: it has no id to revoke by. Failure ⇒ they still work.
   */
  revokeValues(values: readonly string[]): Promise<void>;
}
