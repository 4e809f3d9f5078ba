import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CiTokenLedger, CiTokenRecord } from '../../ports/ci-token-ledger.js';
import type { ChangeRecord } from '../../ports/audit-trail.js';
import { changeItem, TableOps, unkeyed } from './table-ops.js';

/**
 * `CiTokenLedger` on the state table:
 *
 *   CIJTI#{issuer}#{jti} / JTI      an exchanged ID token (conditional put; TTL: the token's expiry + 1 day)
 *   CITOKEN#{org}        / {id}     a token the broker issued: live until deleted or revoked (kept 400 days)
 *
 * The audit records go in the same write as the token's (RUN#… / CHANGE#1, in the audit indexes).
 */
export class DynamoDbCiTokenLedger implements CiTokenLedger {
  readonly #ops: TableOps;

  constructor(
    doc: DynamoDBDocumentClient,
    table: string,
    readonly organization: string,
  ) {
    this.#ops = new TableOps(doc, table);
  }

  claimJti(issuer: string, jti: string, expiresAt: Date): Promise<boolean> {
    const ttl = Math.floor(expiresAt.getTime() / 1000) + 86_400;
    return this.#ops.putIfAbsent(
      { pk: `CIJTI#${issuer}#${jti}`, sk: 'JTI', expiresAt: expiresAt.toISOString(), ttl },
      'record an exchanged ID token',
    );
  }

  async releaseJti(issuer: string, jti: string): Promise<void> {
    await this.#ops.delete(`CIJTI#${issuer}#${jti}`, 'JTI', 'give back an exchanged ID token');
  }

  async recordIssued(token: CiTokenRecord, audit: ChangeRecord): Promise<void> {
    await this.#write(token, audit, `record CI token ${token.tokenId}`);
  }

  async recordRefused(audit: ChangeRecord): Promise<void> {
    await this.#ops.put(changeItem(audit), `record a refused CI token exchange (${audit.runId})`);
  }

  async listLive(): Promise<CiTokenRecord[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#status = :live',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': this.#pk, ':live': 'live' },
        ConsistentRead: true,
      },
      'list live CI tokens',
      Number.POSITIVE_INFINITY,
    );
    return items.map((item) => toRecord(item)).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  }

  async getToken(tokenId: string): Promise<CiTokenRecord | null> {
    const item = await this.#ops.get(this.#pk, tokenId);
    return item ? toRecord(item) : null;
  }

  async recordEnded(token: CiTokenRecord, audit: ChangeRecord): Promise<void> {
    await this.#write(token, audit, `record CI token ${token.tokenId} ${token.status}`);
  }

  get #pk(): string {
    return `CITOKEN#${this.organization}`;
  }

  async #write(token: CiTokenRecord, audit: ChangeRecord, what: string): Promise<void> {
    const items = [{ pk: this.#pk, sk: token.tokenId, ...token, ttl: keepFor() }, changeItem(audit)];
    await this.#ops.batchWrite(
      items.map((Item) => ({ PutRequest: { Item } })),
      what,
      (left) => `The table left ${left} write(s) of CI token ${token.tokenId} unprocessed five times.`,
    );
  }
}

/** Token records outlive their tokens as evidence: 400 days (the audit records themselves are kept). */
const keepFor = () => Math.floor(Date.now() / 1000) + 400 * 86_400;

function toRecord(item: Record<string, unknown>): CiTokenRecord {
  const { ttl: _ttl, ...rest } = unkeyed<CiTokenRecord & { ttl?: number }>(item);
  return rest;
}
