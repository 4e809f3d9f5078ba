import { OKTA_USER_ID } from '../domain/okta-event.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../domain/types.js';

/**
 * The identity provider, read-only. Implementations read fresh (no cache) and either return a
 * complete answer or throw: a partial page is an error, never a shorter list.
 */
export interface Directory {
  /** Groups named in `names` (case-insensitive) or whose name starts with `prefix`. */
  findGroups(query: { names: readonly string[]; prefix: string | null }): Promise<DirectoryGroup[]>;
  /** Members of `groups`, plus every user whose username attribute is set, whatever their status or groups. */
  readOrganization(groups: readonly DirectoryGroup[]): Promise<DirectorySnapshot>;
  /** Members of `groups` only (each group whole, checked against Okta's count): their ids by group, and the users. */
  readGroupMembers(groups: readonly DirectoryGroup[]): Promise<Pick<DirectorySnapshot, 'members' | 'users'>>;
  /** Every user whose `lastUpdated` is at or after `since` (a profile, status or attribute change), whatever their status. */
  readUsersUpdatedSince(since: Date): Promise<DirectoryUser[]>;
  /** Ids of the users deleted from Okta from `since` until `until` (the System Log's `user.lifecycle.delete.initiated`). */
  readDeletedUsersSince(since: Date, until: Date): Promise<string[]>;
  /**
   * The Okta users a reference names: by Okta user id or login (one call), or by Hub username
   * (a search on the username attribute, which can find several claimants). Empty when none.
   */
  findUsers(ref: string): Promise<DirectoryUser[]>;
  /**
   * One page of the System Log in ascending order, from `cursor` (a `next` link a previous page
   * returned) or, with no cursor, from `since`. Returns the events and the link to poll next.
   */
  readLogPage(cursor: string | null, since: Date): Promise<{ events: unknown[]; next: string | null }>;
  /** Whether the credentials may read each endpoint family the sync uses (one small call each). */
  probeScopes(): Promise<Record<'okta.users.read' | 'okta.groups.read' | 'okta.logs.read', 'ok' | 'denied'>>;
  /** The groups one user belongs to. */
  groupsOf(userId: string): Promise<DirectoryGroup[]>;
}

/**
 * Whether a user reference is an Okta user id or login (looked up directly), as opposed to a Hub
 * username (found through the username attribute). Shared by the adapter and the one-user read.
 * @example isOktaUserRef('alice@acme.com') === true; isOktaUserRef('alice-hf') === false
 */
export function isOktaUserRef(ref: string): boolean {
  return ref.includes('@') || OKTA_USER_ID.test(ref);
}
