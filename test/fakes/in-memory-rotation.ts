import { randomBytes } from 'node:crypto';
import type {
  ExchangedToken,
  HubTokens,
  MintedToken,
  RepoGrant,
  ServiceAccountRef,
  TokenIdentity,
  TokenMeta,
} from '../../shared/ports/hub-tokens.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import { TokenRejectedError } from '../../shared/runtime/errors.js';

interface HeldToken extends TokenMeta {
  value: string;
  account: ServiceAccountRef;
  permissions: string[];
}

/**
 * `HubTokens` in memory: service accounts and their fine-grained tokens, whoami answered from the
 * token's own grant. `grantOnly` narrows what new tokens actually get (an org token policy that
 * strips a permission); `failNext` makes the next call of one method throw.
 */
export class InMemoryHubTokens implements HubTokens {
  readonly accounts: ServiceAccountRef[] = [{ id: 'sa1', user: 'ci-bot', name: 'ci-bot' }];
  readonly tokens = new Map<string, HeldToken>();
  minted = 0;
  grantOnly: string[] | null = null;
  readonly #failures = new Map<keyof HubTokens, Error>();

  failNext(method: keyof HubTokens, error: Error): void {
    this.#failures.set(method, error);
  }

  #call(method: keyof HubTokens): void {
    const failure = this.#failures.get(method);
    if (failure) {
      this.#failures.delete(method);
      throw failure;
    }
  }

  /** Whether the Hub accepts `value` now (what a consumer finds out). */
  accepts(value: string | undefined): boolean {
    return [...this.tokens.values()].some((t) => t.value === value);
  }

  async listServiceAccounts(): Promise<ServiceAccountRef[]> {
    this.#call('listServiceAccounts');
    return structuredClone(this.accounts);
  }

  async listTokens(serviceAccountId: string): Promise<TokenMeta[]> {
    this.#call('listTokens');
    return [...this.tokens.values()]
      .filter((t) => t.account.id === serviceAccountId)
      .map(({ id, displayName, createdAt, last4 }) => ({ id, displayName, createdAt, last4 }));
  }

  async createToken(
    serviceAccountId: string,
    displayName: string,
    permissions: readonly string[],
    _repos?: RepoGrant,
  ): Promise<MintedToken> {
    this.#call('createToken');
    const account = this.accounts.find((a) => a.id === serviceAccountId)!;
    const value = `hf_${randomBytes(16).toString('hex')}`;
    const id = `tok${++this.minted}`;
    const granted = this.grantOnly ? permissions.filter((p) => this.grantOnly!.includes(p)) : [...permissions];
    this.tokens.set(id, {
      id,
      displayName,
      createdAt: new Date().toISOString(),
      last4: value.slice(-4),
      value,
      account,
      permissions: granted,
    });
    return { value, id };
  }

  async repoId(repo: { kind: 'model' | 'dataset' | 'space'; id: string }): Promise<string> {
    this.#call('repoId');
    return Buffer.from(repo.id).toString('hex').padEnd(24, '0').slice(0, 24);
  }

  async deleteToken(_serviceAccountId: string, tokenId: string): Promise<void> {
    this.#call('deleteToken');
    this.tokens.delete(tokenId);
  }

  async rotateToken(serviceAccountId: string, tokenId: string): Promise<MintedToken> {
    this.#call('rotateToken');
    const old = this.tokens.get(tokenId)!;
    this.tokens.delete(tokenId);
    return this.createToken(serviceAccountId, old.displayName, old.permissions);
  }

  async whoami(token: string): Promise<TokenIdentity> {
    this.#call('whoami');
    const held = [...this.tokens.values()].find((t) => t.value === token);
    if (!held) throw new TokenRejectedError('the token', 401, 'Invalid credentials in Authorization header');
    return {
      user: held.account.user,
      email: null,
      otherOrgs: [],
      reachesOrg: true,
      roleInOrg: null,
      restrictions: [],
      tokenRole: 'fineGrained',
      orgPermissions: [...held.permissions],
    };
  }

  async exchangeToken(): Promise<ExchangedToken> {
    throw new Error('InMemoryHubTokens does not exchange tokens');
  }

  async revokeValues(values: readonly string[]): Promise<void> {
    this.#call('revokeValues');
    for (const [id, t] of this.tokens) if (values.includes(t.value)) this.tokens.delete(id);
  }
}

/** `SecretStore` in memory, with Secrets Manager's stages (AWSCURRENT, AWSPENDING, AWSPREVIOUS). */
export class InMemorySecretStore implements SecretStore {
  readonly secrets = new Map<string, { versions: Map<string, string>; current?: string; pending?: string; previous?: string }>();

  /** What a consumer reads: the AWSCURRENT value. */
  current(secretId: string): string | undefined {
    const s = this.secrets.get(secretId);
    return s?.current ? s.versions.get(s.current) : undefined;
  }

  async ensureSecret(secretId: string): Promise<{ hasCurrent: boolean }> {
    if (!this.secrets.has(secretId)) this.secrets.set(secretId, { versions: new Map() });
    return { hasCurrent: this.secrets.get(secretId)!.current !== undefined };
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    const s = this.secrets.get(secretId)!;
    const held = s.versions.get(versionId);
    if (held !== undefined && held !== value) throw new Error(`version ${versionId} of ${secretId} holds another value`);
    s.versions.set(versionId, value);
    // AWS's first-version rule: a secret with no current version makes the first stored value current.
    if (s.current === undefined) s.current = versionId;
    else s.pending = versionId;
  }

  async getVersion(secretId: string, versionId: string): Promise<string | null> {
    return this.secrets.get(secretId)?.versions.get(versionId) ?? null;
  }

  async promote(secretId: string, versionId: string): Promise<void> {
    const s = this.secrets.get(secretId)!;
    if (s.current === versionId) return;
    s.previous = s.current;
    s.current = versionId;
    if (s.pending === versionId) delete s.pending;
  }
}
