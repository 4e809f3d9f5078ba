/** The per-organization reconcile lease: one run writes to an organization at a time. */
export interface Leases {
  /** Takes the per-organization lease, or throws `LeaseHeldError`. An expired lease is taken over. */
  acquireLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  /** Extends `owner`'s reconcile lease; throws `LeaseLostError` when another run holds it now. */
  renewLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  /** An operator breaks the lease of run `owner` (gone, not yet expired); `ConflictError` if `owner` does not hold it. */
  breakLease(organization: string, owner: string): Promise<{ expiresAt: string }>;
  /** The same for a credential's rotation lease. */
  breakCredentialLease(credential: string, owner: string): Promise<{ expiresAt: string }>;
  /** Releases the lease if `owner` still holds it; otherwise does nothing. */
  releaseLease(organization: string, owner: string): Promise<void>;
}

export type MemberHoldAnswer = 'held' | { heldBy: string; until: string } | { decidedAtMs: number; by: string };

/** Holds on single Hub members (see shared/reconcile/member-holds.ts and docs/ARCHITECTURE.md). */
export interface MemberHolds {
  /**
   * Holds one Hub member for `owner` whose decision rests on a read made at `readAtMs`: `held`, or
   * who holds it now, or — nobody holds it but a run that read later already decided about this
   * member — that decision's read time.
   */
  holdMember(organization: string, user: string, owner: string, ttlMs: number, now: Date, readAtMs: number): Promise<MemberHoldAnswer>;
  /** Extends `owner`'s hold; `LeaseLostError` when it is no longer `owner`'s. */
  renewMemberHold(organization: string, user: string, owner: string, ttlMs: number, now: Date): Promise<void>;
  /** Gives the hold back if `owner` has it; the decision's read time stays. */
  releaseMemberHold(organization: string, user: string, owner: string): Promise<void>;
}
