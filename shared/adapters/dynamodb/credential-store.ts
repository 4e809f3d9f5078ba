import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CredentialState, CredentialVersion } from '../../domain/credentials.js';
import type { CredentialStore, RotationEventRecord } from '../../ports/credential-store.js';
import { TableOps, unkeyed } from './table-ops.js';

/**
 * `CredentialStore` on the state table. No item ever holds a token: versions carry the Hub's token
 * id, the last four characters and a SHA-256 fingerprint.
 *
 *   CRED#{name} / STATE                        current version id, rotation in progress (step, attempts, last error)
 *   CRED#{name} / LEASE                        per-credential lease (conditional put), so one rotation runs at a time
 *   CRED#{name} / VERSION#{createdAt}#{id}     a version: token id, last4, fingerprint, stage, timestamps
 *   CRED#{name} / EVENT#{at}#{rotationId}#{step}  each step as it happened (expires after 400 days)
 */

const pk = (credential: string) => `CRED#${credential}`;

export class DynamoDbCredentialStore implements CredentialStore {
  readonly #ops: TableOps;

  constructor(doc: DynamoDBDocumentClient, table: string) {
    this.#ops = new TableOps(doc, table);
  }

  acquireCredentialLease(credential: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    return this.#ops.acquireLease({ pk: pk(credential), sk: 'LEASE' }, `rotation lease for credential "${credential}"`, owner, ttlMs, now);
  }

  async getSuspension(
    credential: string,
  ): Promise<{ runId: string; user: string; reason: string; suspendedAt: string; revokedAt?: string } | null> {
    const item = await this.#ops.get(pk(credential), 'SUSPENDED');
    return item ? suspensionOf(item) : null;
  }

  async markSuspensionRevoked(credential: string, now: Date): Promise<void> {
    const item = await this.#ops.get(pk(credential), 'SUSPENDED');
    if (item) await this.#ops.put({ ...item, revokedAt: now.toISOString() }, `mark credential ${credential} revoked`);
  }

  renewCredentialLease(credential: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    return this.#ops.renewLease({ pk: pk(credential), sk: 'LEASE' }, `rotation lease for credential "${credential}"`, owner, ttlMs, now);
  }

  releaseCredentialLease(credential: string, owner: string): Promise<void> {
    return this.#ops.releaseLease({ pk: pk(credential), sk: 'LEASE' }, owner);
  }

  async getCredentialState(credential: string): Promise<CredentialState | null> {
    const item = await this.#ops.get(pk(credential), 'STATE');
    return item ? credentialStateOf(item) : null;
  }

  async putCredentialState(state: CredentialState, now: Date): Promise<void> {
    await this.#ops.put(
      { pk: pk(state.credential), sk: 'STATE', ...state, updatedAt: now.toISOString() },
      `save state of credential ${state.credential}`,
    );
  }

  async listVersions(credential: string): Promise<CredentialVersion[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(credential), ':prefix': 'VERSION#' },
      },
      `list versions of credential ${credential}`,
      Number.POSITIVE_INFINITY,
    );
    return items.map((i) => unkeyed<CredentialVersion>(i));
  }

  async putVersion(version: CredentialVersion): Promise<void> {
    await this.#ops.put(
      { pk: pk(version.credential), sk: `VERSION#${version.createdAt}#${version.versionId}`, ...version },
      `save version ${version.versionId} of credential ${version.credential}`,
    );
  }

  async recordRotationEvent(event: RotationEventRecord): Promise<void> {
    const ttl = Math.floor(Date.parse(event.at) / 1000) + 400 * 86_400;
    await this.#ops.put(
      { pk: pk(event.credential), sk: `EVENT#${event.at}#${event.rotationId}#${event.step}`, ...event, ttl },
      `record rotation step ${event.step} of credential ${event.credential}`,
    );
  }

  async listRotationEvents(credential: string, limit: number): Promise<RotationEventRecord[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(credential), ':prefix': 'EVENT#' },
        ScanIndexForward: false,
      },
      `list rotation events of credential ${credential}`,
      limit,
    );
    return items.map(({ ttl, ...rest }) => unkeyed<RotationEventRecord>(rest));
  }
}

/** A credential's suspension as the table holds it (`CRED#{name}` / `SUSPENDED`). */
export function suspensionOf(item: Record<string, unknown>): {
  runId: string;
  user: string;
  reason: string;
  suspendedAt: string;
  revokedAt?: string;
} {
  return {
    runId: String(item.runId),
    user: String(item.user),
    reason: String(item.reason),
    suspendedAt: String(item.suspendedAt),
    ...(typeof item.revokedAt === 'string' ? { revokedAt: item.revokedAt } : {}),
  };
}

/** A credential's state as the table holds it (`CRED#{name}` / `STATE`), its optional fields null when absent. */
export function credentialStateOf(item: Record<string, unknown>): CredentialState {
  const { updatedAt: _updatedAt, ...state } = unkeyed<CredentialState & { updatedAt: string }>(item);
  return {
    ...state,
    rotation: state.rotation ?? null,
    currentVersionId: state.currentVersionId ?? null,
    lastRotatedAt: state.lastRotatedAt ?? null,
  };
}
