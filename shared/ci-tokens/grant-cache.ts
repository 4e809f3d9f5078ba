import { parseRepo, type CiPolicy } from '../domain/ci-access.js';
import type { HubTokens, ServiceAccountRef } from '../ports/hub-tokens.js';
import { ConfigError } from '../runtime/errors.js';

/** What a policy's grant is on the Hub: its service account's id and its repositories' ids. */
export interface ResolvedGrant {
  serviceAccountId: string;
  serviceAccountUser: string;
  repoIds: string[];
}

export type GrantHub = Pick<HubTokens, 'listServiceAccounts' | 'repoId'>;

/**
 * Resolved grants, per container and per policy, for ten minutes: an exchange then costs one Hub
 * call (the token's creation). A failed resolution is not kept.
 */
export class GrantCache {
  readonly #grants = new Map<string, { at: number; grant: Promise<ResolvedGrant> }>();

  constructor(readonly ttlMs = 600_000) {}

  resolve(hub: GrantHub, policy: CiPolicy, now: number): Promise<ResolvedGrant> {
    const cached = this.#grants.get(policy.name);
    if (cached && now - cached.at < this.ttlMs) return cached.grant;
    const grant = resolveGrant(hub, policy);
    grant.catch(() => this.#grants.delete(policy.name));
    this.#grants.set(policy.name, { at: now, grant });
    return grant;
  }
}

/** The policy's service account (by id, name or username) and repositories, as the token API takes them. */
async function resolveGrant(hub: GrantHub, policy: CiPolicy): Promise<ResolvedGrant> {
  const [accounts, repoIds] = await Promise.all([
    hub.listServiceAccounts(),
    Promise.all(policy.repos.map((name) => hub.repoId(parseRepo(name)!))),
  ]);
  const account = findServiceAccount(accounts, policy.serviceAccount);
  if (!account) {
    throw new ConfigError([
      `ciAccess policy ${policy.name}: service account ${JSON.stringify(policy.serviceAccount)} does not exist on the Hub (create it, or fix serviceAccount)`,
    ]);
  }
  return { serviceAccountId: account.id, serviceAccountUser: account.user, repoIds };
}

/** The account a configuration names by its id, name or username (case-insensitive). */
export function findServiceAccount(accounts: readonly ServiceAccountRef[], name: string): ServiceAccountRef | undefined {
  const wanted = name.toLowerCase();
  return accounts.find((a) => [a.id, a.name, a.user].some((x) => x.toLowerCase() === wanted));
}
