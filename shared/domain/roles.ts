import { ROLES, type Role } from './types.js';

/**
 * Role arithmetic. Hugging Face, like its own SSO role mapping, gives a person in several mapped
 * groups the most privileged role, so "max" is the merge operator everywhere.
 */

const RANK: Record<Role, number> = { admin: 4, write: 3, contributor: 2, read: 1, no_access: 0 };

/** Positive when `a` is more privileged than `b`. @example compareRoles('write', 'read') > 0 */
export function compareRoles(a: Role, b: Role): number {
  return RANK[a] - RANK[b];
}

/** The more privileged of two roles. @example maxRole('read', 'admin') === 'admin' */
export function maxRole(a: Role, b: Role): Role {
  return compareRoles(a, b) >= 0 ? a : b;
}

/** Type guard for strings read from config or an API. @example isRole('write') === true */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Usernames on the Hub compare case-insensitively. @example userKey('Alice') === 'alice' */
export function userKey(username: string): string {
  return username.toLowerCase();
}
