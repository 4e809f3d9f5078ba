import { readFile } from 'node:fs/promises';
import { parseDuration, type CredentialSpec } from '../domain/credentials.js';
import type { NamingConvention } from '../domain/rules.js';
import type { CiAccess } from '../domain/ci-access.js';
import type { Policy, Rule } from '../domain/types.js';
import type { ConfigFile } from './config-schema.js';
import { ConfigError } from './errors.js';

/**
 * The configuration the product runs on, built from a file already checked against the schema
 * (config.ts parses and checks the YAML/JSON a person writes), and the compiled form the Lambda
 * functions read: `osls package` checks the file once (a bad file fails the package, not the
 * first event) and ships it as JSON, so a cold start needs neither a YAML parser nor the schema
 * library. Nothing here imports either.
 */

export type OktaAuth =
  { mode: 'SSWS'; token: string } | { mode: 'PrivateKey'; clientId: string; privateKey: string; keyId: string | undefined };

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
  /** sha256 of the configuration file's text as a person wrote it: saved plans name the configuration they were made under by it. */
  sourceSha256: string;
  policy: Policy;
  rules: Rule[];
  naming: NamingConvention | null;
  credentials: CredentialSpec[];
  /** The ci-token broker's issuers and policies (none: the broker refuses every token). */
  ciAccess: CiAccess;
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
    problems.push(
      `HF_SCIM_TOKEN is not set, but huggingface.membership is ${file.huggingface.membership} (create one in the organization's SSO settings)`,
    );
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
    problems.push(
      `HF_OAUTH_CLIENT_SECRET is not set, but credential(s) ${exchange.join(', ')} use token exchange (the secret of the OAuth app tokenExchange.clientId)`,
    );
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
    throw new ConfigError([
      `STATE_TABLE=${table} names a DynamoDB table in AWS, but no region is set: set AWS_REGION (e.g. eu-west-1), or DYNAMODB_ENDPOINT for a local DynamoDB`,
    ]);
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
    return {
      kind: 'token-exchange',
      name: c.name,
      secret: c.secret,
      subject: c.subject,
      scope: c.scope,
      refreshBeforeMs: parseDuration(c.refreshBefore)!,
    };
  }
  return {
    kind: 'service-account',
    name: c.name,
    secret: c.secret,
    serviceAccount: c.serviceAccount,
    permissions: c.permissions,
    strategy: c.strategy,
    gracePeriodMs: c.strategy === 'in-place' ? 0 : parseDuration(c.gracePeriod)!,
    rotateEveryMs: parseDuration(c.rotateEvery)!,
  };
}

function toCiAccess(file: ConfigFile): CiAccess {
  const ci = file.ciAccess;
  if (!ci) return { issuers: [], policies: [] };
  return {
    issuers: ci.issuers.map((i) => ({
      name: i.name,
      url: i.url,
      audience: i.audience ?? file.organization,
      maxTokenAgeMs: parseDuration(i.maxTokenAge)!,
    })),
    policies: ci.policies.map((p) => ({ ...p, ttlMs: parseDuration(p.ttl)! })),
  };
}

/** The Config of a file the schema accepted (`sourceSha256`: of the text it was read from). */
export function configFrom(file: ConfigFile, sourceSha256: string): Config {
  const rules: Rule[] = file.rules.map((r) => ({ ...r, source: 'config' as const }));
  return Object.freeze({
    file,
    sourceSha256,
    policy: toPolicy(file),
    rules,
    naming: file.naming ?? null,
    credentials: file.credentials.map(toCredential),
    ciAccess: toCiAccess(file),
  });
}

/** The compiled configuration's format; a file of another format or version is refused, never guessed at. */
export const COMPILED_CONFIG_FORMAT = 'hf-iam-sync.compiled-config/1';

export interface CompiledConfig {
  format: typeof COMPILED_CONFIG_FORMAT;
  /** The file it was compiled from, as given to the compiler, and the sha256 of its text. */
  source: { path: string; sha256: string };
  /** The file as the schema returned it (defaults applied). */
  file: ConfigFile;
}

/** Reads a compiled configuration (what `osls package` ships); `origin` names the file in messages. */
export function readCompiledConfig(text: string, origin: string): Config {
  let compiled: Partial<CompiledConfig>;
  try {
    compiled = JSON.parse(text) as Partial<CompiledConfig>;
  } catch {
    compiled = {};
  }
  if (
    compiled?.format !== COMPILED_CONFIG_FORMAT ||
    typeof compiled.source?.sha256 !== 'string' ||
    !compiled.file ||
    typeof compiled.file !== 'object'
  ) {
    const what =
      /\.ya?ml$/i.test(origin) || !text.trimStart().startsWith('{')
        ? 'is a configuration source, not the compiled configuration'
        : `is not a compiled configuration of this version (expected format ${COMPILED_CONFIG_FORMAT})`;
    throw new ConfigError([
      `${origin} ${what}: the Lambda functions read the JSON that \`npm run package\` (osls package) compiles from the configFile parameter — package and deploy again, or compile it yourself: \`hf-iam-sync compile --config FILE --out FILE.json\``,
    ]);
  }
  return configFrom(compiled.file, compiled.source.sha256);
}

/** Reads the compiled configuration at `path`; a missing file is a `ConfigError` naming the path. */
export async function loadCompiledConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read the compiled configuration ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`], {
      cause: error,
    });
  }
  return readCompiledConfig(text, path);
}
