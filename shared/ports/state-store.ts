import type { AuditTrail } from './audit-trail.js';
import type { Cursors } from './cursors.js';
import type { DirectorySnapshots } from './directory-snapshots.js';
import type { EventClaims, Outbox } from './event-claims.js';
import type { IssuedTokens } from './issued-tokens.js';
import type { Leases, MemberHolds } from './leases.js';
import type { ManagedMembers } from './managed-members.js';
import type { StoredPlans } from './stored-plans.js';

/**
 * Our own state and audit trail, as one table holds it: every role port together. It records what
 * we manage and what we did; it never stands in for reading Okta or the Hub. A use case asks for
 * the roles it uses (`Leases & AuditTrail`, …); the composition root passes the whole store.
 */
export interface StateStore
  extends Leases, MemberHolds, ManagedMembers, AuditTrail, EventClaims, Outbox, IssuedTokens, Cursors, StoredPlans, DirectorySnapshots {
  /** Throws unless the table answers (and is active). */
  checkReachable(): Promise<void>;
}
