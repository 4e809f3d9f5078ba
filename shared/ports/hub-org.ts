import type { Access } from '../domain/plan.js';
import type { HubAuditEvent } from '../domain/out-of-band.js';
import type { TokenAccess } from '../domain/token-check.js';
import type { HubMember, ResourceGroupRef } from '../domain/types.js';

export interface HubIdentity extends TokenAccess {
  user: string;
  plan: string | null;
}

/**
 * One Hugging Face organization. Reads return complete answers or throw. Each write documents what
 * a failure leaves behind; none is retried by the caller, so the adapter retries what is safe.
 */
export interface HubOrg {
  listMembers(): Promise<HubMember[]>;
  /**
   * The rate-limit window of HF_TOKEN as its answers described it: calls left (null: not known yet)
   * how long until the next call may go (0: now) and until the window resets. A batch of writes
   * ends when the window is spent.
   */
  pace(): { callsLeft: number | null; waitMs: number; resetInMs: number };
  /** The member with exactly this username (case-insensitive), or `null`. */
  findMember(username: string): Promise<HubMember | null>;
  /** The one member whose SSO email is `email` (the Hub's `?email=` lookup), or `null` (none, or several). */
  findMemberByEmail(email: string): Promise<HubMember | null>;
  listResourceGroups(): Promise<ResourceGroupRef[]>;
  /**
   * Sets the org role and the *whole* resource-group list. Failure ⇒ the member keeps the access
   * they had (the Hub applies the call atomically).
   */
  setAccess(username: string, access: Access): Promise<void>;
  /** Revokes a token's access to the organization (the token keeps working elsewhere). Failure ⇒ it still has access. */
  revokeOrgToken(tokenId: string): Promise<void>;
  /** Who HF_TOKEN is and what it may do in this organization, and the organization's plan. */
  whoami(): Promise<HubIdentity>;
  /**
   * The organization's audit-log events of the given types, each type filtered by the Hub
   * (`q=type:…`), so a busy organization's 100,000-event export is never downloaded whole.
   */
  readAuditLog(types: readonly string[]): Promise<HubAuditEvent[]>;
  /** The organization's whole audit-log export (every type; the Hub keeps the last 100,000 events), each event kept whole in `raw`. */
  exportAuditLog(): Promise<HubAuditEvent[]>;
  /** SCIM: invites (Basic SSO) or creates (managed org) the person. Failure ⇒ nobody was invited. */
  scimInvite(person: { username: string; email: string; externalId: string; givenName: string; familyName: string }): Promise<void>;
  /** SCIM users (`userName`, `active`), pending invitations included; one user when `userName` is given. */
  listScimUsers(userName?: string): Promise<Array<{ userName: string; active: boolean }>>;
  /**
   * Ids of the resource groups the IdP manages through SCIM Groups (changing their members here
   * answers 403), or null when no SCIM token is configured and the Hub cannot be asked.
   */
  listScimManagedResourceGroups(): Promise<string[] | null>;
  /** SCIM: `active: false`. Failure ⇒ the person is still active. */
  scimDeactivate(username: string): Promise<void>;
  /** SCIM DELETE: on a managed org this deletes the person's account and content. Failure ⇒ nothing deleted. */
  scimDelete(username: string): Promise<void>;
}
