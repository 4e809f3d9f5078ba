import type { Client } from '@okta/okta-sdk-nodejs';

/** The SDK module, already loaded by the time a directory exists (see okta-client.ts). */
const sdk = async () => (await import('@okta/okta-sdk-nodejs')).default;
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser, OktaStatus } from '../../domain/types.js';
import { isOktaUserRef, type Directory } from '../../ports/directory.js';
import { AuthenticationError, UpstreamError } from '../../runtime/errors.js';
import { mapLimit } from '../../runtime/map-limit.js';

/**
 * `Directory` over the official Okta SDK.
 *
 * Reads per whole-org run: one group search (explicit names OR'ed with the convention prefix),
 * every page of each mapped group's members (200 a page, as Okta recommends), and every page of a
 * `profile.<attr> pr` user search (200 a page) — which finds linked people outside every mapped
 * group and, unlike a plain list, includes DEPROVISIONED users.
 *
 * Any failed page throws `UpstreamError`: a shorter list is never returned.
 */

// Okta recommends 200 a page everywhere (larger pages cost more of the rate-limit bucket per call
// and time out sooner), whatever the endpoint's maximum.
const GROUP_PAGE = 200;
const USER_PAGE = 200;
/** People read together by one filter (split further to keep Okta's echoed Link header short). */
const BATCH_IDS = 100;
const BURST_GAP_MS = 100;
const BURST_WINDOW_MS = 10;
const LOG_PAGE = 200;
const GROUP_SEARCH_PAGE = 200;
const READ_CONCURRENCY = 4;
/** Encoded search length per call; leaves room for the org URL and other parameters in a `Link`. */
const SEARCH_CHUNK_CHARS = 1500;

interface SdkUser {
  id?: string;
  status?: string;
  profile?: Record<string, unknown>;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Collects every item of an SDK collection. The SDK yields `null` (not done) after an empty page
 * that still has a `next` link; we skip those and keep paging. A run of nulls that never advances
 * (a server repeating an empty page forever) is an error, never a silently shorter list.
 */
async function drain<T, R = T>(
  collection: { next: () => Promise<{ done: boolean; value: T | null }> },
  convert: (item: T) => R = (item) => item as unknown as R,
): Promise<R[]> {
  // Converting item by item keeps only our small records alive, not the SDK's full models.
  const items: R[] = [];
  let idle = 0;
  for (;;) {
    const { done, value } = await collection.next();
    if (done) return items;
    if (value === null) {
      idle += 1;
      if (idle > 10) throw new Error('pagination did not advance: the server kept answering empty pages with a next link');
      continue;
    }
    idle = 0;
    items.push(convert(value));
  }
}

/**
 * Splits OR'ed search clauses into expressions short enough that the `Link` headers Okta echoes
 * them in stay under the SDK's link-parser limit (2,000 characters; a longer header parses as
 * nothing and the SDK crashes). One expression for typical configurations.
 * @example searchChunks(['profile.name eq "a"', 'profile.name eq "b"']) // ['profile.name eq "a" or profile.name eq "b"']
 */
export function searchChunks(clauses: readonly string[], maxEncodedLength = SEARCH_CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  for (const clause of clauses) {
    const candidate = [...current, clause].join(' or ');
    if (current.length > 0 && encodeURIComponent(candidate).length > maxEncodedLength) {
      chunks.push(current.join(' or '));
      current = [clause];
    } else {
      current.push(clause);
    }
  }
  if (current.length > 0) chunks.push(current.join(' or '));
  return chunks;
}

export class OktaDirectory implements Directory {
  readonly #client: Client;
  readonly #attribute: string;
  /** People asked for by Okta id while a read is on its way: read together next (see #readById). */
  #waiting: Array<{ id: string; resolve: (users: SdkUser[]) => void; reject: (error: unknown) => void }> = [];
  #reading = false;
  #lastRead = 0;

  constructor(client: Client, options: { usernameAttribute: string }) {
    this.#client = client;
    this.#attribute = options.usernameAttribute;
  }

  async findGroups(query: { names: readonly string[]; prefix: string | null }): Promise<DirectoryGroup[]> {
    const clauses = [
      ...[...new Set(query.names)].map((name) => `profile.name eq ${quote(name)}`),
      ...(query.prefix ? [`profile.name sw ${quote(query.prefix)}`] : []),
    ];
    const found = new Map<string, DirectoryGroup>();
    for (const search of searchChunks(clauses)) {
      const groups = await this.#call('search groups', async () =>
        drain(await this.#client.groupApi.listGroups({ search, limit: GROUP_SEARCH_PAGE, expand: 'stats' })),
      );
      for (const g of groups) {
        const count = g._embedded?.stats?.usersCount;
        const moved = g.lastMembershipUpdated as Date | string | undefined;
        found.set(g.id!, {
          id: g.id!,
          name: g.profile?.name ?? '',
          ...(typeof count === 'number' ? { usersCount: count } : {}),
          ...(moved ? { membershipUpdated: new Date(moved).toISOString() } : {}),
        });
      }
    }
    return [...found.values()];
  }

  async readOrganization(groups: readonly DirectoryGroup[]): Promise<DirectorySnapshot> {
    const { members, users } = await this.readGroupMembers(groups);
    const byId = new Map(users.map((u) => [u.id, u]));
    const linked = await this.#call(`search users with profile.${this.#attribute}`, async () =>
      drain(await this.#client.userApi.listUsers({ search: `profile.${this.#attribute} pr`, limit: USER_PAGE }), this.#convert),
    );
    for (const user of linked) byId.set(user.id, user);
    return { groups: [...groups], members, users: [...byId.values()] };
  }

  async readGroupMembers(groups: readonly DirectoryGroup[]): Promise<Pick<DirectorySnapshot, 'members' | 'users'>> {
    const users = new Map<string, DirectoryUser>();
    const members: Record<string, string[]> = {};
    await mapLimit(groups, READ_CONCURRENCY, async (group) => {
      const page = await this.#call(`list members of group "${group.name}"`, async () =>
        drain(await this.#client.groupApi.listGroupUsers({ groupId: group.id, limit: GROUP_PAGE }), this.#convert),
      );
      // A page that drops members reads as a complete, shorter list; Okta's own count says otherwise.
      if (group.usersCount !== undefined && page.length < group.usersCount) {
        throw new UpstreamError(
          'okta',
          `list members of group "${group.name}"`,
          `Okta counts ${group.usersCount} members, the pages returned ${page.length}: a page came back short`,
        );
      }
      members[group.id] = page.map((user) => {
        users.set(user.id, user);
        return user.id;
      });
    });
    return { members, users: [...users.values()] };
  }

  /**
   * Two `filter` lists (Okta's filter reads the most up-to-date data, where search may lag): one
   * on `lastUpdated`, and one that names DEPROVISIONED — a list that does not name that status may
   * leave deactivated users out, and a deactivation is the change that matters most.
   */
  async readUsersUpdatedSince(since: Date): Promise<DirectoryUser[]> {
    const after = `lastUpdated ge ${quote(since.toISOString())}`;
    const byId = new Map<string, DirectoryUser>();
    for (const filter of [after, `status eq "DEPROVISIONED" and ${after}`]) {
      const users = await this.#call('list users updated since the snapshot', async () =>
        drain(await this.#client.userApi.listUsers({ filter, limit: USER_PAGE }), this.#convert),
      );
      for (const user of users) byId.set(user.id, user);
    }
    return [...byId.values()];
  }

  async readDeletedUsersSince(since: Date, until: Date): Promise<string[]> {
    const events = await this.#call('read user deletions from the System Log', async () =>
      drain(
        await this.#client.systemLogApi.listLogEvents({
          since: since.toISOString(),
          until: until.toISOString(),
          filter: 'eventType eq "user.lifecycle.delete.initiated"',
          sortOrder: 'ASCENDING',
          limit: 1000,
        }),
      ),
    );
    return events.flatMap((e) =>
      ((e as { target?: Array<{ id?: string; type?: string }> }).target ?? []).filter((t) => t.type === 'User' && t.id).map((t) => t.id!),
    );
  }

  async findUsers(ref: string): Promise<DirectoryUser[]> {
    const found = isOktaUserRef(ref)
      ? await this.#readById(ref)
      : await this.#call(`find user with profile.${this.#attribute} = ${ref}`, async () =>
          drain(await this.#client.userApi.listUsers({ search: `profile.${this.#attribute} eq ${quote(ref)}`, limit: USER_PAGE })),
        );
    return found.map((u) => this.#toUser(u as SdkUser));
  }

  async readLogPage(cursor: string | null, since: Date): Promise<{ events: unknown[]; next: string | null }> {
    return this.#call('read the System Log', async () => {
      // Okta's next link is opaque: a stored one is fetched exactly as given (through the SDK's own
      // Collection, so auth, retries and Link parsing are the SDK's), never rebuilt from its parts.
      const collection = cursor
        ? new (await sdk()).Collection<unknown>(this.#client.http, cursor, undefined, {})
        : await this.#client.systemLogApi.listLogEvents({ since: since.toISOString(), sortOrder: 'ASCENDING', limit: LOG_PAGE });
      const events = (await collection.getNextPage()) as unknown[];
      return { events, next: collection.nextUri ?? cursor };
    });
  }

  async probeScopes(): Promise<Record<'okta.users.read' | 'okta.groups.read' | 'okta.logs.read', 'ok' | 'denied'>> {
    const probe = async (read: () => Promise<unknown>): Promise<'ok' | 'denied'> => {
      try {
        await read();
        return 'ok';
      } catch (error) {
        if ((error as { status?: number }).status === 403) return 'denied';
        throw this.#translate('probe API scopes', error);
      }
    };
    const [users, groups, logs] = await Promise.all([
      probe(async () => (await this.#client.userApi.listUsers({ limit: 1 })).getNextPage()),
      probe(async () => (await this.#client.groupApi.listGroups({ limit: 1 })).getNextPage()),
      probe(async () =>
        (await this.#client.systemLogApi.listLogEvents({ limit: 1, since: new Date(Date.now() - 60_000).toISOString() })).getNextPage(),
      ),
    ]);
    return { 'okta.users.read': users, 'okta.groups.read': groups, 'okta.logs.read': logs };
  }

  async groupsOf(userId: string): Promise<DirectoryGroup[]> {
    const groups = await this.#call(`list groups of user ${userId}`, async () =>
      drain(await this.#client.userApi.listUserGroups({ userId })),
    );
    return groups.map((g) => ({ id: g.id!, name: g.profile?.name ?? '' }));
  }

  /**
   * Reads by Okta id, batched: one person alone is one `GET /api/v1/users/{id}`; people asked for
   * while a read is in flight (a burst of offboardings) are read together with one
   * `filter=id eq "…" or …` list — Okta's filter reads the most up-to-date data, unlike search —
   * and anyone the filter does not return is read alone (a 404 is a deleted user). A burst of
   * 1,000 costs tens of calls of Okta's per-minute user bucket, not 1,000.
   */
  #readById(id: string): Promise<SdkUser[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, resolve, reject });
      if (!this.#reading) void this.#readWaiting();
    });
  }

  async #readWaiting(): Promise<void> {
    this.#reading = true;
    try {
      // Whoever asks in the same turn joins the read; during a burst (another read just now), a
      // few milliseconds more gather the people arriving alongside.
      if (Date.now() - this.#lastRead < BURST_GAP_MS) await new Promise((resolve) => setTimeout(resolve, BURST_WINDOW_MS));
      else await new Promise((resolve) => setImmediate(resolve));
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, BATCH_IDS);
        this.#lastRead = Date.now();
        const ids = [...new Set(batch.map((w) => w.id))];
        try {
          const byId = new Map<string, SdkUser[]>();
          if (ids.length === 1) byId.set(ids[0]!, await this.#getUser(ids[0]!));
          else {
            for (const filter of searchChunks(ids.map((id) => `id eq ${quote(id)}`))) {
              const users = await this.#call('read users by id', async () =>
                drain(await this.#client.userApi.listUsers({ filter, limit: USER_PAGE })),
              );
              for (const u of users as SdkUser[]) byId.set(u.id!, [u]);
            }
            await Promise.all(ids.filter((id) => !byId.has(id)).map(async (id) => byId.set(id, await this.#getUser(id))));
          }
          for (const w of batch) w.resolve(byId.get(w.id) ?? []);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.#reading = false;
    }
  }

  async #getUser(ref: string): Promise<SdkUser[]> {
    try {
      return [(await this.#client.userApi.getUser({ userId: ref })) as SdkUser];
    } catch (error) {
      if ((error as { status?: number }).status === 404) return [];
      throw this.#translate(`get user ${ref}`, error);
    }
  }

  readonly #convert = (u: unknown): DirectoryUser => this.#toUser(u as SdkUser);

  #toUser(u: SdkUser): DirectoryUser {
    const profile = u.profile ?? {};
    const hf = profile[this.#attribute];
    return {
      id: u.id!,
      login: String(profile.login ?? ''),
      email: String(profile.email ?? profile.login ?? ''),
      status: (u.status ?? 'STAGED') as OktaStatus,
      hfUsername: typeof hf === 'string' && hf.trim() !== '' ? hf.trim() : null,
      displayName: [profile.firstName, profile.lastName].filter(Boolean).join(' '),
      givenName: String(profile.firstName ?? ''),
      familyName: String(profile.lastName ?? ''),
    };
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.#translate(operation, error);
    }
  }

  #translate(operation: string, error: unknown): UpstreamError {
    const e = error as { status?: number; errorSummary?: string; message?: string; code?: number | string; body?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.code === 'number' ? e.code : undefined;
    const summary =
      e.errorSummary ||
      (typeof e.body === 'object' && e.body && 'errorSummary' in e.body
        ? String((e.body as { errorSummary: unknown }).errorSummary)
        : undefined) ||
      e.message ||
      String(error);
    if (status === 401 || status === 403) {
      return new AuthenticationError(
        'okta',
        operation,
        `${summary} — check OKTA_API_TOKEN (or the service app's key and its okta.users.read / okta.groups.read grants)`,
        status,
        { cause: error },
      );
    }
    return new UpstreamError('okta', operation, summary, status, { cause: error });
  }
}
