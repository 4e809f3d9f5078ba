import type { CredentialState, CredentialVersion } from '../domain/credentials.js';

/** One step of a rotation as it happened, for the credential's own trail. */
export interface RotationEventRecord {
  credential: string;
  rotationId: string;
  step: 'create' | 'verify' | 'promote' | 'delete-old' | 'revoke';
  outcome: 'done' | 'failed';
  runId: string;
  at: string;
  /** Which version/token the step touched (id, last four characters), never a value. */
  tokenId?: string | null;
  last4?: string;
  error?: string;
}

/** Where rotation state lives (DynamoDB in AWS). Nothing here ever holds a token value. */
export interface CredentialStore {
  /** Takes the per-credential lease, or throws `LeaseHeldError`; an expired lease is taken over. */
  acquireCredentialLease(credential: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  /** Extends our lease; throws `LeaseLostError` when another run holds it now. */
  renewCredentialLease(credential: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  releaseCredentialLease(credential: string, owner: string): Promise<void>;
  getCredentialState(credential: string): Promise<CredentialState | null>;
  putCredentialState(state: CredentialState, now: Date): Promise<void>;
  /** Every version of a credential, oldest first. */
  listVersions(credential: string): Promise<CredentialVersion[]>;
  putVersion(version: CredentialVersion): Promise<void>;
  recordRotationEvent(event: RotationEventRecord): Promise<void>;
  /** Set by an offboarding when the credential's subject lost access; `revokedAt` once its tokens were revoked. */
  getSuspension(
    credential: string,
  ): Promise<{ runId: string; user: string; reason: string; suspendedAt: string; revokedAt?: string } | null>;
  markSuspensionRevoked(credential: string, now: Date): Promise<void>;
  /** The trail of one credential, newest first. */
  listRotationEvents(credential: string, limit: number): Promise<RotationEventRecord[]>;
}
