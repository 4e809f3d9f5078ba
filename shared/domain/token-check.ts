/**
 * What a token may do in one organization, as whoami-v2 describes it, and the checks both token
 * verification (rotation) and doctor (HF_TOKEN) make. Pure.
 *
 * whoami-v2 leaves open whether a service account's token shows `roleInOrg` (the Hub's docs say
 * service accounts are not members): reaching the organization is the org's entry in `orgs`, with
 * or without a role. `securityRestrictions` on that entry mean the token cannot use the org's data
 * right now, whatever its role. A fine-grained token can do only what its org-scoped entry lists.
 */

export interface TokenAccess {
  /** The organization's entry is in `orgs`: the token reaches it. */
  reachesOrg: boolean;
  /** `roleInOrg`, when the Hub says it (null for non-members and possibly for service accounts). */
  roleInOrg: string | null;
  /** `orgs[].securityRestrictions` for this organization. */
  restrictions: string[];
  /** `auth.accessToken.role`: read, write, god or fineGrained (null when whoami does not say). */
  tokenRole: string | null;
  /** fineGrained only: the permissions scoped to this organization (empty when none). */
  orgPermissions: string[];
}

const RESTRICTIONS: Record<string, string> = {
  mfa: 'the organization requires two-factor authentication, and the account has none',
  'token-policy': "the organization's token policy has not approved this token (an admin must authorize it)",
  'token-revoked': "an admin revoked this token's access to the organization",
  sso: 'the organization requires an SSO session the account does not have',
  ip: 'the organization only accepts requests from allowed IP ranges',
};

/** @example restrictionProblem(['mfa']) → 'mfa (the organization requires two-factor …)' */
export function restrictionProblem(restrictions: readonly string[]): string | null {
  if (restrictions.length === 0) return null;
  return restrictions.map((r) => `${r} (${RESTRICTIONS[r] ?? 'a security restriction of the organization'})`).join('; ');
}

const WRITE_PERMISSIONS = /\.write$/;

/**
 * The permissions in `needed` the token lacks in the organization: a `read` token lacks every write
 * permission; `write` and `god` lack none; a fine-grained token lacks what its org scope does not list.
 * @example missingPermissions({ tokenRole: 'fineGrained', orgPermissions: ['org.read'] }, ['org.write']) → ['org.write']
 */
export function missingPermissions(access: Pick<TokenAccess, 'tokenRole' | 'orgPermissions'>, needed: readonly string[]): string[] {
  switch (access.tokenRole) {
    case 'write':
    case 'god':
    case null:
      return [];
    case 'read':
      return needed.filter((p) => WRITE_PERMISSIONS.test(p));
    default:
      return needed.filter((p) => !access.orgPermissions.includes(p));
  }
}

/** Managing members (role PUTs, resource groups, SCIM aside) takes org.write. */
export const MEMBER_MANAGEMENT = ['org.write'] as const;
