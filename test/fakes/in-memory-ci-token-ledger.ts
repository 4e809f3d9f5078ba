import type { CiTokenLedger, CiTokenRecord } from '../../shared/ports/ci-token-ledger.js';
import type { ChangeRecord } from '../../shared/ports/audit-trail.js';

/** `CiTokenLedger` in memory, held to the same contract tests as the DynamoDB adapter. */
export class InMemoryCiTokenLedger implements CiTokenLedger {
  readonly jtis = new Map<string, Date>();
  readonly tokens = new Map<string, CiTokenRecord>();
  readonly audit: ChangeRecord[] = [];

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async claimJti(issuer: string, jti: string, expiresAt: Date): Promise<boolean> {
    const key = `${issuer}#${jti}`;
    const held = this.jtis.get(key);
    // Like the table's TTL: an expired claim is gone (a day after the token's expiry).
    if (held && held.getTime() + 86_400_000 > this.clock().getTime()) return false;
    this.jtis.set(key, expiresAt);
    return true;
  }

  async releaseJti(issuer: string, jti: string): Promise<void> {
    this.jtis.delete(`${issuer}#${jti}`);
  }

  async recordIssued(token: CiTokenRecord, audit: ChangeRecord): Promise<void> {
    this.tokens.set(token.tokenId, structuredClone(token));
    this.audit.push(structuredClone(audit));
  }

  async recordRefused(audit: ChangeRecord): Promise<void> {
    this.audit.push(structuredClone(audit));
  }

  async listLive(): Promise<CiTokenRecord[]> {
    return [...this.tokens.values()]
      .filter((t) => t.status === 'live')
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
      .map((t) => structuredClone(t));
  }

  async getToken(tokenId: string): Promise<CiTokenRecord | null> {
    const token = this.tokens.get(tokenId);
    return token ? structuredClone(token) : null;
  }

  async recordEnded(token: CiTokenRecord, audit: ChangeRecord): Promise<void> {
    await this.recordIssued(token, audit);
  }
}
