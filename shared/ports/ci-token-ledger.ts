import type { ChangeRecord } from './audit-trail.js';

/** A token the broker issued: what it grants and whom it was for, never its value. */
export interface CiTokenRecord {
  tokenId: string;
  last4: string;
  policy: string;
  serviceAccountId: string;
  serviceAccount: string;
  issuer: string;
  /** The claims recorded at issuance (repository, ref, run id, actor, sha, …). */
  claims: Record<string, string>;
  permissions: string[];
  repos: string[];
  repoPermissions: string[];
  issuedAt: string;
  expiresAt: string;
  /** The exchange's run id in the audit trail. */
  runId: string;
  status: 'live' | 'deleted' | 'revoked';
  endedAt?: string;
  endReason?: string;
}

/**
 * The broker's own state: which ID tokens were exchanged (each `jti` once) and which Hub tokens it
 * issued, so that each can be deleted at its expiry — the Hub's service-account tokens have none.
 */
export interface CiTokenLedger {
  /**
   * Records that an ID token was exchanged (a conditional write, expiring with the token): false
   * when it was exchanged before — a replay.
   */
  claimJti(issuer: string, jti: string, expiresAt: Date): Promise<boolean>;
  /** Gives a claimed `jti` back: the exchange failed before a token was issued, so the job may retry with the same ID token. */
  releaseJti(issuer: string, jti: string): Promise<void>;
  /** The issued token and its audit record, in one write: a token never exists without both. */
  recordIssued(token: CiTokenRecord, audit: ChangeRecord): Promise<void>;
  /** A refusal's audit record. */
  recordRefused(audit: ChangeRecord): Promise<void>;
  /** Tokens not yet ended (status `live`), soonest to expire first. */
  listLive(): Promise<CiTokenRecord[]>;
  /** One token's record, live or ended, or null. */
  getToken(tokenId: string): Promise<CiTokenRecord | null>;
  /** Marks a token ended (deleted at its TTL, or revoked by hand) with its audit record, in one write. */
  recordEnded(token: CiTokenRecord, audit: ChangeRecord): Promise<void>;
}
