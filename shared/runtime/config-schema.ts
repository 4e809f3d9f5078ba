import { z } from 'zod';
import { parseDuration } from '../domain/credentials.js';
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
const maxRemovals = z.union([z.number().int(LIMIT_HINT).min(0, LIMIT_HINT), z.string().regex(/^\d+(\.\d+)?%$/, LIMIT_HINT)], {
  error: LIMIT_HINT,
});

/** Org-wide permissions a service-account token can carry (the Hub's enum). */
const TOKEN_PERMISSIONS = [
  'repo.content.read',
  'repo.write',
  'inference.serverless.write',
  'inference.endpoints.infer.write',
  'inference.endpoints.write',
  'org.read',
  'org.write',
  'collection.read',
  'collection.write',
  'resourceGroup.write',
  'job.write',
  'org.serviceAccounts.read',
  'org.serviceAccounts.write',
] as const;

const duration = (example: string) =>
  z.string().refine((d) => parseDuration(d) !== undefined, `must be a duration such as ${example} (s, m, h, d or w)`);
const credentialName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,39}$/,
    'must be 1–40 lower-case letters, digits or dashes (it names the credential in state, labels and alerts)',
  );
const secretId = z.string().min(1, 'must name the Secrets Manager secret (name or ARN) that consumers read');

const serviceAccountCredential = z.strictObject({
  name: credentialName,
  kind: z.literal('service-account'),
  serviceAccount: z.string().min(1, 'must name the service account (its id, name or username on the Hub)'),
  permissions: z
    .array(z.enum(TOKEN_PERMISSIONS, { error: `must be one of ${TOKEN_PERMISSIONS.join(', ')}` }))
    .min(1, 'must list at least one permission the token needs'),
  secret: secretId,
  strategy: z.enum(['overlap', 'in-place']).default('overlap'),
  gracePeriod: duration('24h').default('24h'),
  rotateEvery: duration('7d').default('7d'),
});

const tokenExchangeCredential = z.strictObject({
  name: credentialName,
  kind: z.literal('token-exchange'),
  subject: z.email('must be the email of the organization member the token is issued for'),
  scope: z
    .array(z.string().regex(/^[a-z-]+$/, 'must be an OAuth scope such as read-repos'))
    .min(1)
    .optional(),
  secret: secretId,
  refreshBefore: duration('2h').default('2h'),
});

// `kind` defaults to service-account before the union picks a branch, so every problem is reported
// against the fields of the kind the user meant rather than as one "no union member matched".
const credential = z.preprocess(
  (c) => (c && typeof c === 'object' && !('kind' in c) ? { ...c, kind: 'service-account' } : c),
  z.discriminatedUnion('kind', [serviceAccountCredential, tokenExchangeCredential], {
    error: 'kind must be service-account (the default) or token-exchange',
  }),
);

/** Claims that say whose pipeline a token is: a policy pins at least one, or any repository on the issuer could match it. */
const OWNER_CLAIMS = [
  'sub',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'project_path',
  'project_id',
  'namespace_path',
  'namespace_id',
];

const ciIssuer = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1–40 lower-case letters, digits or dashes (policies name their issuer by it)'),
  url: httpsUrl,
  audience: z.string().min(1).optional(),
  maxTokenAge: duration('15m').default('15m'),
});

const ciPolicy = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,59}$/, 'must be 1–60 lower-case letters, digits or dashes (CI jobs name it in `resource`)'),
  issuer: z.string().min(1, 'must name one of ciAccess.issuers'),
  claims: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'must be a claim name'),
    z.string().min(1, 'must be the exact value, or a glob with *'),
  ),
  serviceAccount: z.string().min(1, 'must name the service account the token is created on'),
  permissions: z.array(z.enum(TOKEN_PERMISSIONS, { error: `must be one of ${TOKEN_PERMISSIONS.join(', ')}` })).default([]),
  repos: z
    .array(
      z
        .string()
        .regex(
          /^((models|datasets|spaces)\/)?[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/,
          'must name a repository as on the Hub: acme/model, datasets/acme/corpus or spaces/acme/demo',
        ),
    )
    .default([]),
  repoPermissions: z
    .array(z.enum(['repo.content.read', 'repo.write'], { error: 'must be repo.content.read or repo.write' }))
    .min(1)
    .default(['repo.content.read']),
  ttl: duration('1h').default('1h'),
});

export const configSchema = z.strictObject({
  organization: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be the organization name as in its Hub URL'),
  okta: z.strictObject({
    orgUrl: httpsUrl,
    usernameAttribute: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an Okta profile attribute name')
      .default('hfUsername'),
    entitledStatuses: z
      .array(z.enum(OKTA_STATUSES))
      .min(1)
      .refine((s) => s.includes('ACTIVE'), 'must include ACTIVE')
      .default(['ACTIVE', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY']),
    emailFallback: z.boolean().default(false),
    fullReadAfterHours: z.number().int().min(0).max(8760).default(168),
  }),
  huggingface: z
    .strictObject({
      endpoint: httpsUrl.default('https://huggingface.co'),
      membership: z.enum(['roles', 'scim-basic', 'scim-managed']).default('roles'),
      baseRole: z.enum(ROLES).default('read'),
      scimDeleteAccounts: z.boolean().default(false),
    })
    .prefault({}),
  rules: z.array(rule).default([]),
  naming: z
    .strictObject({
      org: z
        .string()
        .refine((p) => p.includes('{role}'), 'must contain {role}')
        .default('hf-{org}-{role}'),
      resourceGroup: z
        .string()
        .refine((p) => p.includes('{role}') && p.includes('{resourceGroup}'), 'must contain {resourceGroup} and {role}')
        .default('hf-{org}-rg-{resourceGroup}-{role}'),
    })
    .optional(),
  safety: z.strictObject({
    protectedUsers: z.array(z.string().min(1)).default([]),
    maxRemovals,
    unmanagedMembers: z.enum(['report', 'remove']).default('report'),
  }),
  /** The organization's OAuth app with the token-exchange privilege (its secret: HF_OAUTH_CLIENT_SECRET). */
  tokenExchange: z
    .strictObject({
      clientId: z.string().min(1, "must be the OAuth app's client id"),
      audience: z.string().min(1).optional(),
    })
    .optional(),
  credentials: z.array(credential).default([]),
  /** CI jobs' OIDC identities and the Hub tokens they may get (the ci-token broker). */
  ciAccess: z.strictObject({ issuers: z.array(ciIssuer).min(1), policies: z.array(ciPolicy).default([]) }).optional(),
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
  const credentials = Array.isArray((raw as { credentials?: unknown })?.credentials)
    ? (raw as { credentials: Array<Record<string, unknown>> }).credentials
    : [];
  const seen = new Map<unknown, number>();
  const seenSecret = new Map<unknown, number>();
  credentials.forEach((c, i) => {
    if (seen.has(c?.name))
      problems.push({
        path: `credentials[${i}].name`,
        message: `"${String(c.name)}" is already the name of credentials[${seen.get(c.name)}]`,
      });
    else seen.set(c?.name, i);
    if (seenSecret.has(c?.secret))
      problems.push({
        path: `credentials[${i}].secret`,
        message: `credentials[${seenSecret.get(c.secret)}] already writes to this secret; give each credential its own`,
      });
    else seenSecret.set(c?.secret, i);
    if (c?.kind === 'token-exchange' && (raw as { tokenExchange?: unknown })?.tokenExchange === undefined) {
      problems.push({
        path: `credentials[${i}]`,
        message: 'kind: token-exchange needs a tokenExchange: { clientId } section (the OAuth app allowed to exchange tokens)',
      });
    }
    if (c?.strategy === 'in-place' && c.gracePeriod !== undefined) {
      problems.push({
        path: `credentials[${i}].gracePeriod`,
        message: 'does not apply to strategy: in-place (the Hub kills the old token at once); remove it or use strategy: overlap',
      });
    }
  });
  problems.push(...ciAccessChecks(raw));
  return problems;
}

/** The broker's policies against its issuers and the rotated credentials. */
function ciAccessChecks(raw: unknown): Array<{ path: string; message: string }> {
  const doc = raw as { ciAccess?: { issuers?: unknown; policies?: unknown }; credentials?: unknown } | null;
  if (!doc?.ciAccess) return [];
  const list = (v: unknown) => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []);
  const issuers = list(doc.ciAccess.issuers);
  const problems: Array<{ path: string; message: string }> = [];
  const unique = (items: Array<Record<string, unknown>>, what: string) => {
    const seen = new Map<unknown, number>();
    items.forEach((item, i) => {
      if (seen.has(item?.name))
        problems.push({
          path: `ciAccess.${what}[${i}].name`,
          message: `"${String(item.name)}" is already the name of ciAccess.${what}[${seen.get(item.name)}]`,
        });
      else seen.set(item?.name, i);
    });
  };
  unique(issuers, 'issuers');
  unique(list(doc.ciAccess.policies), 'policies');
  const rotated = new Set(
    list(doc.credentials)
      .map((c) => c?.serviceAccount)
      .filter(Boolean),
  );
  list(doc.ciAccess.policies).forEach((p, i) => {
    const at = `ciAccess.policies[${i}]`;
    if (!issuers.some((x) => x?.name === p?.issuer)) {
      problems.push({
        path: `${at}.issuer`,
        message: `"${String(p?.issuer)}" is not one of ciAccess.issuers (${issuers.map((x) => String(x?.name)).join(', ')})`,
      });
    }
    const claims = Object.keys((p?.claims as Record<string, unknown> | undefined) ?? {});
    if (!claims.some((c) => OWNER_CLAIMS.includes(c))) {
      problems.push({
        path: `${at}.claims`,
        message: `must pin whose pipeline it trusts with one of ${OWNER_CLAIMS.join(', ')}: any repository on the issuer can mint a token with any audience`,
      });
    }
    if (typeof p?.ttl === 'string' && (parseDuration(p.ttl) ?? 0) > 12 * 3_600_000)
      problems.push({ path: `${at}.ttl`, message: 'must be at most 12h' });
    if (rotated.has(p?.serviceAccount)) {
      problems.push({
        path: `${at}.serviceAccount`,
        message: `is also a rotated credential's service account; the broker deletes every token of its accounts that it did not issue — give CI its own account`,
      });
    }
    if (list(p?.repos).length === 0 && list(p?.permissions).length === 0)
      problems.push({ path: at, message: 'grants nothing: list repos, permissions, or both' });
  });
  return problems;
}

export type ConfigFile = z.infer<typeof configSchema>;
