import { z } from 'zod';
import { GRANTABLE_ROLES, OKTA_STATUSES, ROLES } from '../domain/types.js';

/**
 * The configuration file's schema: closed (unknown keys are rejected, catching typos such as
 * `maxRemoval`), with defaults only where a default is safe. Secrets are never part of it.
 */

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const httpsUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  } catch {
    return false;
  }
}, 'must be an https:// URL (plain http:// is accepted only for a loopback test server)');

const rule = z.strictObject({
  group: z.string().min(1, 'must name an Okta group'),
  role: z.enum(GRANTABLE_ROLES, { error: `must be one of ${GRANTABLE_ROLES.join(', ')}` }),
  resourceGroup: z.string().min(1).optional(),
});

const LIMIT_HINT = 'must be a count (e.g. 10) or a percentage string (e.g. "10%")';
const maxRemovals = z.union([
  z.number().int(LIMIT_HINT).min(0, LIMIT_HINT),
  z.string().regex(/^\d+(\.\d+)?%$/, LIMIT_HINT),
], { error: LIMIT_HINT });

export const configSchema = z.strictObject({
  organization: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be the organization name as in its Hub URL'),
  okta: z.strictObject({
    orgUrl: httpsUrl,
    usernameAttribute: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an Okta profile attribute name').default('hfUsername'),
    entitledStatuses: z.array(z.enum(OKTA_STATUSES)).min(1)
      .refine((s) => s.includes('ACTIVE'), 'must include ACTIVE')
      .default(['ACTIVE', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY']),
    emailFallback: z.boolean().default(false),
  }),
  huggingface: z.strictObject({
    endpoint: httpsUrl.default('https://huggingface.co'),
    membership: z.enum(['roles', 'scim-basic', 'scim-managed']).default('roles'),
    baseRole: z.enum(ROLES).default('read'),
    scimDeleteAccounts: z.boolean().default(false),
  }).prefault({}),
  rules: z.array(rule).default([]),
  naming: z.strictObject({
    org: z.string().refine((p) => p.includes('{role}'), 'must contain {role}').default('hf-{org}-{role}'),
    resourceGroup: z.string()
      .refine((p) => p.includes('{role}') && p.includes('{resourceGroup}'), 'must contain {resourceGroup} and {role}')
      .default('hf-{org}-rg-{resourceGroup}-{role}'),
  }).optional(),
  safety: z.strictObject({
    protectedUsers: z.array(z.string().min(1)).default([]),
    maxRemovals,
    unmanagedMembers: z.enum(['report', 'remove']).default('report'),
  }),
});

/**
 * Checks across sections. They read the raw document, so they are reported together with the
 * schema's own problems (a schema refinement would only run once everything else is valid).
 */
export function crossChecks(raw: unknown): Array<{ path: string; message: string }> {
  const doc = (raw ?? {}) as { rules?: unknown; naming?: unknown; huggingface?: { membership?: unknown; scimDeleteAccounts?: unknown } };
  const problems: Array<{ path: string; message: string }> = [];
  if ((!Array.isArray(doc.rules) || doc.rules.length === 0) && doc.naming === undefined) {
    problems.push({ path: 'rules', message: 'no mapping: add rules[] or a naming: section (naming: {} uses hf-{org}-{role})' });
  }
  if (doc.huggingface?.scimDeleteAccounts === true && doc.huggingface.membership !== 'scim-managed') {
    problems.push({ path: 'huggingface.scimDeleteAccounts', message: 'only applies with membership: scim-managed' });
  }
  return problems;
}

export type ConfigFile = z.infer<typeof configSchema>;
