import type { Leases, MemberHoldAnswer, MemberHolds } from '../../ports/leases.js';
import type { TableOps } from './table-ops.js';

/** One partition per member: a burst of offboardings spreads over the table. */
const holdKey = (organization: string, user: string) => ({ pk: `HOLD#${organization}#${user.toLowerCase()}`, sk: 'HOLD' });

/**
 * Leases and member holds on the table (conditional puts and updates, TableOps' lease primitives):
 *
 *   LOCK#{org}   / LOCK            lease: owner, expiresAtEpoch
 *   HOLD#{org}#{user} / HOLD       member hold: owner, expiresAtEpoch, readAtMs
 */
export class DynamoDbLeases implements Leases, MemberHolds {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
  }

  async acquireLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    await this.#ops.acquireLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner, ttlMs, now);
  }

  async renewLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    await this.#ops.renewLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner, ttlMs, now);
  }

  breakLease(organization: string, owner: string): Promise<{ expiresAt: string }> {
    return this.#ops.breakLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner);
  }

  breakCredentialLease(credential: string, owner: string): Promise<{ expiresAt: string }> {
    return this.#ops.breakLease({ pk: `CRED#${credential}`, sk: 'LEASE' }, `rotation lease for credential "${credential}"`, owner);
  }

  async releaseLease(organization: string, owner: string): Promise<void> {
    await this.#ops.releaseLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, owner);
  }

  holdMember(organization: string, user: string, owner: string, ttlMs: number, now: Date, readAtMs: number): Promise<MemberHoldAnswer> {
    return this.#ops.holdMember(holdKey(organization, user), owner, ttlMs, now, readAtMs);
  }

  async renewMemberHold(organization: string, user: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    await this.#ops.renewLease(holdKey(organization, user), `hold on member ${user}`, owner, ttlMs, now);
  }

  async releaseMemberHold(organization: string, user: string, owner: string): Promise<void> {
    await this.#ops.releaseMemberHold(holdKey(organization, user), owner);
  }
}
