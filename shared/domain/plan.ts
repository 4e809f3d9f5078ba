import type { GrantableRole, MemberResourceGroup, MembershipMode, Role } from './types.js';

/**
 * The plan: a serialisable value (terraform's `plans.Plan`). `changes` holds exactly what apply
 * executes; everything else is reported beside it and never acted on. Renderers and apply take the
 * same object, so a dry run is compute + render, and there is no dry-run flag anywhere below.
 */

/** What a person can reach in the org: the org role plus their resource-group roles. */
export interface Access {
  role: Role;
  resourceGroups: MemberResourceGroup[];
}

/**
 * - `set-role`: `PUT …/members/{user}/role` with the whole `after` access.
 * - `remove`: the same call with `no_access` and no resource groups (roles mode).
 * - `scim-invite` / `scim-deactivate` / `scim-delete`: SCIM calls in the `scim-*` modes.
 * - `revoke-token`: revokes the org access of a token this system issued for the person.
 */
export type ChangeAction =
  'set-role' | 'remove' | 'scim-invite' | 'scim-deactivate' | 'scim-delete' | 'revoke-token' | 'suspend-credential';

/** Direction of a change; `revoke`, `downgrade` and `mixed` count as removals for the guards. */
export type Effect = 'grant' | 'upgrade' | 'mixed' | 'downgrade' | 'revoke';

export interface Change {
  /** Unique within a plan and stable across plans of the same situation. */
  id: string;
  action: ChangeAction;
  /** Hub username. */
  user: string;
  oktaUserId: string | null;
  /** Okta login, for the audit trail. */
  oktaLogin: string | null;
  /** Okta primary email: the address a SCIM invite goes to. */
  oktaEmail: string | null;
  before: Access | null;
  after: Access | null;
  effect: Effect;
  /** `revoke-token` only: which issued token (id and last four characters, never the value). */
  token?: { tokenId: string; last4: string; label: string };
  /** `suspend-credential` only: the token-exchange credential issued for this person (its tokens are revoked by rotate-tokens). */
  credential?: { name: string; secret: string };
  /** `scim-invite` only: the SCIM name sent with the invitation (from Okta's firstName / lastName). */
  name?: { givenName: string; familyName: string };
  /** Why, in words an admin can check against Okta: which rule or group, which status, which guard. */
  reasons: string[];
}

export type Guard = 'protected-user' | 'last-admin' | 'max-removals';

export interface BlockedChange {
  change: Change;
  guard: Guard;
  detail: string;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  summary: string;
  detail: string;
}

export interface NeedsInvite {
  user: string;
  oktaUserId: string;
  oktaLogin: string;
  role: Role;
  resourceGroups: string[];
}

/** Entitled, invited through SCIM (Basic SSO), and not yet joined: nothing to send until they accept. */
export type InvitedWaiting = NeedsInvite;

export interface UnlinkedUser {
  oktaUserId: string;
  oktaLogin: string;
  groups: string[];
}

export interface UnmanagedMember {
  user: string;
  role: Role;
  resourceGroups: string[];
}

export interface ClaimConflict {
  user: string;
  oktaUsers: string[];
}

export interface UnparsedGroup {
  group: string;
  problem: string;
}

export interface PlanSummary {
  add: number;
  change: number;
  remove: number;
  blocked: number;
  needsInvite: number;
  invited: number;
  unlinked: number;
  unmanaged: number;
  conflicts: number;
}

/** `fullRead`: read all of Okta whatever the last read's snapshot holds (`--full`). */
export type PlanScope = { kind: 'organization'; fullRead?: boolean } | { kind: 'user'; user: string };

/** How an organization plan read Okta: in full, or as a delta of the last complete read (shared/reconcile/read-directory.ts). */
export interface OktaRead {
  kind: 'full' | 'delta';
  /** Why the read was full, or which snapshot the delta started from. */
  reason: string;
  /** Groups whose members were read (every mapped group in a full read). */
  groupsRead: number;
  /** Users the delta found with a different record than the snapshot's. */
  usersChanged: number;
  /** Users of the snapshot the delta no longer keeps (deleted in Okta, or out of every mapped group without the attribute). */
  usersDeleted: number;
  /** What became of the snapshot: `saved`, `advanced` (same content, newer as-of), or why not. */
  snapshot: string;
}

interface ResolvedRuleView {
  group: string;
  role: GrantableRole;
  resourceGroup: string | null;
  source: 'config' | 'convention';
}

export interface Plan {
  formatVersion: 1;
  organization: string;
  membership: MembershipMode;
  scope: PlanScope;
  changes: Change[];
  blocked: BlockedChange[];
  needsInvite: NeedsInvite[];
  invited: InvitedWaiting[];
  unlinked: UnlinkedUser[];
  unmanaged: UnmanagedMember[];
  conflicts: ClaimConflict[];
  unparsedGroups: UnparsedGroup[];
  diagnostics: Diagnostic[];
  rules: ResolvedRuleView[];
  /** An error diagnostic makes the plan errored; apply refuses errored plans. */
  errored: boolean;
  /** Not errored and at least one change to make. */
  applyable: boolean;
  summary: PlanSummary;
  /** Organization plans: how Okta was read (not part of what the plan changes). */
  oktaRead?: OktaRead;
}
