import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { parseDuration, type CredentialSpec } from '../domain/credentials.js';
import type { NamingConvention } from '../domain/rules.js';
import type { Policy, Rule } from '../domain/types.js';
import { configSchema, crossChecks, type ConfigFile } from './config-schema.js';
import { ConfigError } from './errors.js';

/**
 * Configuration, parsed once and strictly: the file (YAML or JSON) for behaviour, the environment
 * for secrets and where state lives. Every problem is collected and reported in one `ConfigError`.
 */

export type OktaAuth =
  | { mode: 'SSWS'; token: string }
  | { mode: 'PrivateKey'; clientId: string; privateKey: string; keyId: string | undefined };

export interface Secrets {
  okta: OktaAuth;
  hfToken: string;
  hfScimToken: string | undefined;
}

export interface StateLocation {
  table: string;
  /** A local DynamoDB-compatible server; absent means AWS (region from the environment). */
  endpoint: string | undefined;
}

export interface Config {
  file: ConfigFile;
  policy: Policy;
  rules: Rule[];
  naming: NamingConvention | null;
  credentials: CredentialSpec[];
}

/** Reads the secrets from an environment (`process.env`, or one whose `<NAME>_SECRET_ARN`s were resolved); lists every one missing. */
export function readSecrets(env: Readonly<Record<string, string | undefined>>, file: ConfigFile): Secrets {
  const problems: string[] = [];
  const value = (name: string) => env[name]?.trim() || undefined;
  let okta: OktaAuth | undefined;
  if (value('OKTA_API_TOKEN')) {
    okta = { mode: 'SSWS', token: value('OKTA_API_TOKEN')! };
  } else if (value('OKTA_CLIENT_ID') && value('OKTA_PRIVATE_KEY')) {
    okta = { mode: 'PrivateKey', clientId: value('OKTA_CLIENT_ID')!, privateKey: value('OKTA_PRIVATE_KEY')!, keyId: value('OKTA_KEY_ID') };
  } else {
    problems.push('OKTA_API_TOKEN (or OKTA_CLIENT_ID + OKTA_PRIVATE_KEY for a service app) is not set in the environment');
  }
  const hfToken = value('HF_TOKEN');
  if (!hfToken) problems.push('HF_TOKEN is not set in the environment (an org admin token for the Hub)');
  const hfScimToken = value('HF_SCIM_TOKEN');
  if (file.huggingface.membership !== 'roles' && !hfScimToken) {
    problems.push(`HF_SCIM_TOKEN is not set, but huggingface.membership is ${file.huggingface.membership} (create one in the organization's SSO settings)`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { okta: okta!, hfToken: hfToken!, hfScimToken };
}

/** What rotation needs: the admin token, and the OAuth app's secret when a credential uses token exchange. Okta is not needed. */
export interface RotationSecrets {
  hfToken: string;
  oauthClientSecret: string | undefined;
}

export function readRotationSecrets(env: Readonly<Record<string, string | undefined>>, config: Config): RotationSecrets {
  const problems: string[] = [];
  const hfToken = env.HF_TOKEN?.trim();
  if (!hfToken) problems.push('HF_TOKEN is not set in the environment (an org admin token: it creates and deletes service-account tokens)');
  const oauthClientSecret = env.HF_OAUTH_CLIENT_SECRET?.trim() || undefined;
  const exchange = config.credentials.filter((c) => c.kind === 'token-exchange').map((c) => c.name);
  if (exchange.length > 0 && !oauthClientSecret) {
    problems.push(`HF_OAUTH_CLIENT_SECRET is not set, but credential(s) ${exchange.join(', ')} use token exchange (the secret of the OAuth app tokenExchange.clientId)`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { hfToken: hfToken!, oauthClientSecret };
}

/** `STATE_TABLE` names the table; `DYNAMODB_ENDPOINT` points at a local server. Undefined when neither is set. */
export function readStateLocation(env: Readonly<Record<string, string | undefined>>): StateLocation | undefined {
  const table = env.STATE_TABLE?.trim();
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;
  if (!table && !endpoint) return undefined;
  // The AWS SDK would say only "Region is missing" on the first call.
  if (!endpoint && !env.AWS_REGION?.trim() && !env.AWS_DEFAULT_REGION?.trim()) {
    throw new ConfigError([`STATE_TABLE=${table} names a DynamoDB table in AWS, but no region is set: set AWS_REGION (e.g. eu-west-1), or DYNAMODB_ENDPOINT for a local DynamoDB`]);
  }
  return { table: table || 'hf-iam-sync', endpoint };
}

function toPolicy(file: ConfigFile): Policy {
  const m = file.safety.maxRemovals;
  return {
    organization: file.organization,
    membership: file.huggingface.membership,
    protectedUsers: file.safety.protectedUsers,
    maxRemovals: typeof m === 'number' ? { kind: 'count', value: m } : { kind: 'percent', value: Number.parseFloat(m) },
    unmanagedMembers: file.safety.unmanagedMembers,
    entitledStatuses: file.okta.entitledStatuses,
    baseRole: file.huggingface.baseRole,
    scimDelete: file.huggingface.scimDeleteAccounts,
    emailFallback: file.okta.emailFallback,
  };
}

function toCredential(c: ConfigFile['credentials'][number]): CredentialSpec {
  if (c.kind === 'token-exchange') {
    return { kind: 'token-exchange', name: c.name, secret: c.secret, subject: c.subject, scope: c.scope, refreshBeforeMs: parseDuration(c.refreshBefore)! };
  }
  return {
    kind: 'service-account', name: c.name, secret: c.secret, serviceAccount: c.serviceAccount, permissions: c.permissions, strategy: c.strategy,
    gracePeriodMs: c.strategy === 'in-place' ? 0 : parseDuration(c.gracePeriod)!, rotateEveryMs: parseDuration(c.rotateEvery)!,
  };
}

/**
 * Parses configuration text. `origin` names the file in messages.
 * @example parseConfig('organization: acme\n…', 'hf-iam-sync.yaml').policy.organization === 'acme'
 */
export function parseConfig(text: string, origin: string): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${origin}: ${e.message.split('\n')[0]}`));
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((issue) => {
      const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
      return `${origin}: ${where}: ${issue.message}`;
    })),
    ...crossChecks(raw).map((p) => `${origin}: ${p.path}: ${p.message}`),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const file = result.data;
  const rules: Rule[] = file.rules.map((r) => ({ ...r, source: 'config' as const }));
  return Object.freeze({ file, policy: toPolicy(file), rules, naming: file.naming ?? null, credentials: file.credentials.map(toCredential) });
}

/** Reads and parses a configuration file; a missing file is a `ConfigError` naming the path. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`], { cause: error });
  }
  return parseConfig(text, path);
}
