import type { IssuedToken } from '../../domain/types.js';
import type { IssuedTokens } from '../../ports/issued-tokens.js';
import type { TableOps } from './table-ops.js';

/**
 * Issued tokens and suspended credentials on the table:
 *
 *   ORG#{org}    / TOKEN#{oktaUserId}#{tokenId}   an issued token (id and last four only)
 *   CRED#{name}  / SUSPENDED                      a token-exchange credential suspended by an offboarding
 */
export class DynamoDbIssuedTokens implements IssuedTokens {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
  }

  async recordIssuedToken(organization: string, token: IssuedToken): Promise<void> {
    await this.#ops.put(
      { pk: `ORG#${organization}`, sk: `TOKEN#${token.oktaUserId}#${token.tokenId}`, ...token, status: 'active' },
      `record issued token ${token.tokenId}`,
    );
  }

  async listIssuedTokens(organization: string, oktaUserId?: string): Promise<IssuedToken[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': `ORG#${organization}`,
          ':prefix': oktaUserId ? `TOKEN#${oktaUserId}#` : 'TOKEN#',
          ':active': 'active',
        },
      },
      'list issued tokens',
      Number.POSITIVE_INFINITY,
    );
    return items.map(issuedTokenOf);
  }

  async markTokenRevoked(organization: string, token: { tokenId: string; oktaUserId: string }, now: Date): Promise<void> {
    const key = { pk: `ORG#${organization}`, sk: `TOKEN#${token.oktaUserId}#${token.tokenId}` };
    const item = await this.#ops.get(key.pk, key.sk);
    if (item) await this.#ops.put({ ...item, status: 'revoked', revokedAt: now.toISOString() }, `mark token ${token.tokenId} revoked`);
  }

  async suspendCredential(credential: string, record: { runId: string; user: string; reason: string }, now: Date): Promise<void> {
    await this.#ops.put(
      { pk: `CRED#${credential}`, sk: 'SUSPENDED', credential, ...record, suspendedAt: now.toISOString() },
      `suspend credential ${credential}`,
    );
  }

  async listSuspendedCredentials(credentials: readonly string[]): Promise<string[]> {
    const found = await Promise.all(credentials.map(async (name) => ((await this.#ops.get(`CRED#${name}`, 'SUSPENDED')) ? [name] : [])));
    return found.flat();
  }
}

/** An issued token as the table holds it (its id and last four characters only). */
export function issuedTokenOf(i: Record<string, unknown>): IssuedToken {
  return {
    tokenId: String(i.tokenId),
    oktaUserId: String(i.oktaUserId),
    user: String(i.user),
    label: String(i.label),
    last4: String(i.last4),
    issuedAt: String(i.issuedAt),
  };
}
