import type { ManagedMember } from '../domain/types.js';

/** What we manage in an organization: its members and their identity links, and the SCIM-managed resource groups. */
export interface ManagedMembers {
  listManaged(organization: string): Promise<ManagedMember[]>;
  getManaged(organization: string, user: string): Promise<ManagedMember | null>;
  /** Writes these members and their identity links: unconditional puts, many to a request. */
  saveManaged(organization: string, members: readonly ManagedMember[]): Promise<void>;
  /** Hub usernames our state ever linked to this Okta user in the organization (also after the link moved). */
  findLinkedMembers(organization: string, oktaUserId: string): Promise<string[]>;
  /** What the last applying org run learnt from the Hub: the SCIM-managed resource groups (ids). */
  getScimManagedResourceGroups(organization: string): Promise<string[] | null>;
  putScimManagedResourceGroups(organization: string, ids: readonly string[], now: Date): Promise<void>;
}
