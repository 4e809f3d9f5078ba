import type { DirectoryGroup, DirectorySnapshot } from '../domain/types.js';

/**
 * The identity provider, read-only. Implementations read fresh (no cache) and either return a
 * complete answer or throw: a partial page is an error, never a shorter list.
 */
export interface Directory {
  /** Groups named in `names` (case-insensitive) or whose name starts with `prefix`. */
  findGroups(query: { names: readonly string[]; prefix: string | null }): Promise<DirectoryGroup[]>;
  /** Members of `groups`, plus every user whose username attribute is set, whatever their status or groups. */
  readOrganization(groups: readonly DirectoryGroup[]): Promise<DirectorySnapshot>;
  /**
   * One person, by Okta user id, Okta login, or Hub username (the username attribute), with their
   * memberships among `groups`. `null` when no Okta user matches.
   */
  readUser(ref: string, groups: readonly DirectoryGroup[]): Promise<DirectorySnapshot | null>;
}
