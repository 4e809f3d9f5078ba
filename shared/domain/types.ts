/**
 * The domain's vocabulary. Pure data: every value here survives `JSON.stringify` unchanged, so a
 * plan can be printed, stored, compared in a test, and handed to apply as it is.
 */

/** Hugging Face roles, org-wide and per resource group, most privileged first. */
export const ROLES = ['admin', 'write', 'contributor', 'read', 'no_access'] as const;
export type Role = (typeof ROLES)[number];
/** Roles a rule may grant: granting `no_access` would be removal dressed as a rule. */
export const GRANTABLE_ROLES = ['admin', 'write', 'contributor', 'read'] as const;
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export const OKTA_STATUSES = [
  'ACTIVE',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'RECOVERY',
  'SUSPENDED',
  'DEPROVISIONED',
  'STAGED',
  'PROVISIONED',
] as const;
export type OktaStatus = (typeof OKTA_STATUSES)[number];

/** How people enter and leave the org: role changes only, or SCIM (Basic SSO or managed Enterprise Plus). */
export type MembershipMode = 'roles' | 'scim-basic' | 'scim-managed';

/** One mapping rule, after the config's explicit rules and the naming convention are merged. */
export interface Rule {
  group: string;
  role: GrantableRole;
  /** Name of the Hub resource group; absent for an org-wide role. */
  resourceGroup?: string;
  /** Where the rule came from, quoted in every change it causes. */
  source: 'config' | 'convention';
}

/** An Okta user as the sync needs them: never the whole profile. */
export interface DirectoryUser {
  id: string;
  login: string;
  email: string;
  status: OktaStatus;
  /** Value of the configured username attribute, as Okta holds it (not lower-cased). */
  hfUsername: string | null;
  /** How `hfUsername` was found: the attribute, or (by policy) the Hub member with the same SSO email. */
  linkedBy?: 'attribute' | 'email';
  displayName: string;
  /** Okta profile firstName / lastName (a SCIM invite needs both). */
  givenName?: string;
  familyName?: string;
}

export interface DirectoryGroup {
  id: string;
  name: string;
  /** Okta's own count of the group's members (`expand=stats`), when it gave one: a read returning fewer failed. */
  usersCount?: number;
  /** Okta's `lastMembershipUpdated` (ISO), when it gave one: a delta read re-reads the group's members once it moves. */
  membershipUpdated?: string;
}

/**
 * What Okta says, read fresh on every run.
 * `groups` are the groups the rules could name; `members` maps group id to user ids;
 * `users` holds everyone in a mapped group plus every user whose username attribute is set.
 */
export interface DirectorySnapshot {
  groups: DirectoryGroup[];
  members: Record<string, string[]>;
  users: DirectoryUser[];
}

export interface ResourceGroupRef {
  id: string;
  name: string;
}

export interface MemberResourceGroup {
  id: string;
  name: string;
  role: Role;
}

export interface HubMember {
  user: string;
  fullname: string;
  /** The member's SSO email (`verifiedEmail`), when the Hub shares it with an admin token. */
  email?: string | null;
  role: Role;
  resourceGroups: MemberResourceGroup[];
}

/**
 * What the Hub says. `complete` is false for a scoped (one-user) read: then members not in the
 * list are unknown, not absent, and nobody is reported as unmanaged.
 */
export interface HubSnapshot {
  members: HubMember[];
  resourceGroups: ResourceGroupRef[];
  complete: boolean;
  /**
   * scim-basic only: lower-cased usernames with an active SCIM identity who are not members yet —
   * invitations sent and not accepted (the SCIM Users list includes them; a second POST answers 409).
   */
  invited?: string[];
  /** Ids of resource groups the IdP manages through SCIM (left exactly as they are); absent when unknown. */
  scimManagedResourceGroups?: string[];
  /** Scoped reads only: admins outside the scope, so the last-admin guard can count them. */
  otherAdmins?: string[];
}

/** What our own state says we manage (DynamoDB), keyed by lower-cased Hub username. */
export interface ManagedMember {
  user: string;
  oktaUserId: string | null;
  role: Role;
  resourceGroups: MemberResourceGroup[];
  lastSyncedAt: string;
  /**
   * What the last removal took away (role and every resource group), by which run and when: the
   * resource groups no rule manages are given back when the person is entitled again.
   */
  removed?: { role: Role; resourceGroups: MemberResourceGroup[]; runId: string; at: string };
}

export interface Policy {
  organization: string;
  membership: MembershipMode;
  protectedUsers: string[];
  maxRemovals: { kind: 'count'; value: number } | { kind: 'percent'; value: number };
  unmanagedMembers: 'report' | 'remove';
  entitledStatuses: OktaStatus[];
  /** Org role for someone entitled only through resource-group rules. */
  baseRole: Role;
  /** SCIM account deletion instead of deactivation; only meaningful in `scim-managed`. */
  scimDelete: boolean;
  /** Link Okta users without the username attribute to the Hub member with the same SSO email. */
  emailFallback?: boolean;
}

/**
 * A Hub token this system issued for a person (recorded in our state, never the token itself).
 * While the person is entitled it stays; when they are not, the plan revokes its org access.
 */
export interface IssuedToken {
  tokenId: string;
  oktaUserId: string;
  /** Hub username of the person it was issued for. */
  user: string;
  label: string;
  last4: string;
  issuedAt: string;
}
