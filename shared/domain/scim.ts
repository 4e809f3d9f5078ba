import type { DirectoryUser } from './types.js';

/**
 * What the Hub's SCIM `POST …/Users` accepts (see the OpenAPI reference): a `userName` of 2–42
 * letters, digits and single dashes, not only digits, not a 24-character hex id, no dash at either
 * end; `name.givenName` and `name.familyName` of at least one character; an `externalId`.
 */
const HUB_USERNAME = /^\b(?!\d+$)(?![0-9a-fA-F]{24}$)([a-zA-Z0-9]|-(?!-))+\b$/;

/** @example hubUsernameProblem('jo--e') === 'has two dashes in a row' */
export function hubUsernameProblem(name: string): string | null {
  if (name.length < 2 || name.length > 42) return `is ${name.length} characters long (the Hub takes 2 to 42)`;
  if (/--/.test(name)) return 'has two dashes in a row';
  if (/^-|-$/.test(name)) return 'starts or ends with a dash';
  if (/^\d+$/.test(name)) return 'is only digits';
  if (/^[0-9a-fA-F]{24}$/.test(name)) return 'looks like a 24-character hex id';
  if (!HUB_USERNAME.test(name)) return 'has characters other than letters, digits and dashes';
  return null;
}

/**
 * The SCIM name of a person from their Okta profile. Okta requires firstName and lastName, but
 * profiles pushed from other sources can hold blanks or one word; the Hub requires both parts, so a
 * missing part falls back to the other part's first word, then to the local part of the login, then
 * to the Hub username — never an empty string.
 * @example scimName({ givenName: 'Cher', familyName: '', login: 'cher@acme.example' }, 'cher') → { givenName: 'Cher', familyName: 'Cher' }
 */
export function scimName(
  user: Pick<DirectoryUser, 'login'> & { givenName?: string; familyName?: string; displayName?: string },
  hfUsername: string,
): { givenName: string; familyName: string } {
  const words = (user.displayName ?? '').trim().split(/\s+/).filter(Boolean);
  const given = user.givenName?.trim() || words[0] || '';
  const family = user.familyName?.trim() || words.slice(1).join(' ') || '';
  const fallback = given || family || user.login.split('@')[0]?.trim() || hfUsername;
  return { givenName: given || fallback, familyName: family || fallback };
}
