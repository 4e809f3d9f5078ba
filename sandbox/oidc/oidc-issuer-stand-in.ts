import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { StandInServer } from '../http-kit.js';

/**
 * A CI provider's OIDC issuer: the discovery document, its JWKS (keys rotate), and ID tokens
 * signed as GitHub Actions and GitLab CI sign theirs (RS256, `kid` in the header) with their real
 * claim sets. It also answers GitHub's runner contract — `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…`
 * with `Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` → `{"value": "<ID token>"}` — so an
 * Action's script runs against it as it would on a runner.
 */

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export type CiFlavour = 'github' | 'gitlab';

export interface MintOptions {
  audience: string | string[];
  /** Seconds from now (negative: in the past). */
  issuedAt?: number;
  lifetimeSeconds?: number;
  notBefore?: number;
  /** Sign with this key instead of the current one (e.g. one never published). */
  key?: SigningKey;
  jti?: string;
}

export class OidcIssuerStandIn extends StandInServer {
  readonly #keys: SigningKey[] = [];
  /** Served in the JWKS (a key can be dropped from it, as after a rotation). */
  readonly published = new Set<string>();
  /** The runner's request token, as GitHub puts it in ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly runnerToken = `runner-${randomUUID()}`;
  /** The claims the runner endpoint mints for (a job's context). */
  runnerClaims: Record<string, unknown> = {};

  constructor(readonly flavour: CiFlavour = 'github') {
    super();
    this.route('GET', '/.well-known/openid-configuration', () => ({
      status: 200,
      body: {
        issuer: this.baseUrl,
        jwks_uri: `${this.baseUrl}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: Object.keys(this.claims({})),
      },
    }));
    this.route('GET', '/.well-known/jwks', () => ({
      status: 200,
      body: { keys: this.#keys.filter((k) => this.published.has(k.kid)).map((k) => k.jwk) },
    }));
    this.route('GET', '/_apis/token', async (r) => {
      if (r.headers.authorization !== `bearer ${this.runnerToken}` && r.headers.authorization !== `Bearer ${this.runnerToken}`)
        return { status: 401, body: { message: 'Bad credentials' } };
      const audience = r.url.searchParams.get('audience') ?? 'https://github.com/acme';
      return { status: 200, body: { count: 1, value: await this.mint(this.runnerClaims, { audience }) } };
    });
  }

  override async start(port = 0): Promise<string> {
    if (this.#keys.length === 0) await this.rotateKey();
    return super.start(port);
  }

  /** A new signing key, published at once; the old ones stay published unless `retire`. */
  async rotateKey(options: { retire?: boolean } = {}): Promise<SigningKey> {
    const key = await newKey();
    if (options.retire) this.published.clear();
    this.#keys.push(key);
    this.published.add(key.kid);
    return key;
  }

  /** A key that signs but is never published (an attacker's, or one from another issuer). */
  unpublishedKey(): Promise<SigningKey> {
    return newKey();
  }

  get currentKey(): SigningKey {
    return this.#keys.at(-1)!;
  }

  /** The provider's full claim set for a job, with `overrides` applied. */
  claims(overrides: Record<string, unknown>): Record<string, unknown> {
    return { ...(this.flavour === 'github' ? githubClaims(overrides) : gitlabClaims(overrides)), ...overrides };
  }

  /** An ID token for a job (the provider's claim set with `overrides`), signed like the provider signs. */
  async mint(overrides: Record<string, unknown>, options: MintOptions): Promise<string> {
    const key = options.key ?? this.currentKey;
    const now = Math.floor(Date.now() / 1000) + (options.issuedAt ?? 0);
    return new SignJWT({ ...this.claims(overrides) })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...(this.flavour === 'github' ? { x5t: key.kid } : {}) })
      .setIssuer(this.baseUrl)
      .setAudience(options.audience)
      .setJti(options.jti ?? randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now + (options.notBefore ?? (this.flavour === 'github' ? -600 : 0)))
      .setExpirationTime(now + (options.lifetimeSeconds ?? 300))
      .sign(key.privateKey);
  }
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID().replace(/-/g, '').slice(0, 27);
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** The claims of a GitHub Actions ID token (docs.github.com, "About security hardening with OpenID Connect"). */
function githubClaims(o: Record<string, unknown>): Record<string, unknown> {
  const repository = String(o.repository ?? 'acme/llama-ft');
  const ref = String(o.ref ?? 'refs/heads/main');
  const environment = o.environment as string | undefined;
  const workflow = `${repository}/.github/workflows/train.yml@${ref}`;
  return {
    sub: environment ? `repo:${repository}:environment:${environment}` : `repo:${repository}:ref:${ref}`,
    ref,
    sha: 'e2f1a9c4b7d8e3f6a5b4c3d2e1f0a9b8c7d6e5f4',
    repository,
    repository_owner: repository.split('/')[0],
    repository_owner_id: '90210',
    run_id: '8123456789',
    run_number: '42',
    run_attempt: '1',
    repository_visibility: 'private',
    repository_id: '700123456',
    actor_id: '1234567',
    actor: 'ada',
    workflow: 'train',
    head_ref: '',
    base_ref: '',
    event_name: 'push',
    ref_protected: 'true',
    ref_type: 'branch',
    workflow_ref: workflow,
    workflow_sha: 'e2f1a9c4b7d8e3f6a5b4c3d2e1f0a9b8c7d6e5f4',
    job_workflow_ref: workflow,
    job_workflow_sha: 'e2f1a9c4b7d8e3f6a5b4c3d2e1f0a9b8c7d6e5f4',
    runner_environment: 'github-hosted',
    ...(environment ? { environment } : {}),
  };
}

/** The claims of a GitLab CI ID token (docs.gitlab.com, "ID token authentication"). */
function gitlabClaims(o: Record<string, unknown>): Record<string, unknown> {
  const project = String(o.project_path ?? 'acme/pipelines');
  const ref = String(o.ref ?? 'main');
  return {
    sub: `project_path:${project}:ref_type:branch:ref:${ref}`,
    namespace_id: '72',
    namespace_path: project.split('/')[0],
    project_id: '4242',
    project_path: project,
    user_id: '17',
    user_login: 'grace',
    user_email: 'grace@acme.example',
    user_access_level: 'developer',
    pipeline_id: '1001',
    pipeline_source: 'push',
    job_id: '5005',
    ref,
    ref_type: 'branch',
    ref_path: `refs/heads/${ref}`,
    ref_protected: 'true',
    runner_id: 12,
    runner_environment: 'gitlab-hosted',
    sha: '9b8c7d6e5f4e2f1a9c4b7d8e3f6a5b4c3d2e1f0a',
    project_visibility: 'private',
    ci_config_ref_uri: `gitlab.example/${project}//.gitlab-ci.yml@refs/heads/${ref}`,
    ci_config_sha: '9b8c7d6e5f4e2f1a9c4b7d8e3f6a5b4c3d2e1f0a',
  };
}
