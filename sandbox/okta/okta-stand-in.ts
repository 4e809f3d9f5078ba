import crypto, { randomBytes } from 'node:crypto';
import { StandInServer, type SandboxRequest, type SandboxResponse } from '../http-kit.js';
import { parseSearch, pathGetter, type Matcher } from './search-expression.js';

/**
 * A stand-in for the parts of the Okta Management API the sync reads: users (with `search`),
 * groups (with `search`/`q`), group members, a user's groups. It answers as Okta does: SSWS or
 * Bearer auth, `Link` pagination with an `after` cursor, `X-Rate-Limit-*` headers on every
 * response from per-minute buckets per endpoint family, Okta's error body (`errorCode`,
 * `errorSummary`, …) and its page-size limits (users 200, group members 1000, groups 10000).
 */

export interface OktaUserRecord {
  id: string;
  status: string;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  type: { id: string };
  profile: Record<string, unknown> & { login: string; email: string; firstName: string; lastName: string };
}

/** A System Log event as Okta sends it; the stand-in builds the full shape. */
export interface OktaLogEvent {
  uuid: string;
  eventType: string;
  published: string;
  [field: string]: unknown;
}

export interface OktaGroupRecord {
  id: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  objectClass: string[];
  type: 'OKTA_GROUP';
  profile: { name: string; description: string };
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
function oktaId(prefix: '00u' | '00g'): string {
  return prefix + [...randomBytes(17)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

function oktaError(status: number, errorCode: string, errorSummary: string): SandboxResponse {
  return { status, body: { errorCode, errorSummary, errorLink: errorCode, errorId: `oae${oktaId('00u').slice(3)}`, errorCauses: [] } };
}

export class OktaStandIn extends StandInServer {
  readonly users = new Map<string, OktaUserRecord>();
  readonly groups = new Map<string, OktaGroupRecord>();
  /** group id → member user ids, in insertion order (Okta pages by id order; insertion order is stable here). */
  readonly memberships = new Map<string, Set<string>>();
  readonly tokens = new Set<string>();
  /** System Log events, oldest first, as `/api/v1/logs` and the log stream would carry them. */
  readonly logs: OktaLogEvent[] = [];
  /** Requests per minute per endpoint family, as Okta's defaults for an org. */
  rateLimits: Record<string, number> = { users: 600, groups: 600, logs: 120 };
  /** Okta's buckets are per minute; tests shorten the window. */
  windowSeconds = 60;
  /** Endpoint families each token may read (absent: all), to play a service app missing a scope. */
  readonly scopes = new Map<string, Set<string>>();
  /** Caps every page below Okta's own maximums, so tests cross page boundaries with few records. */
  maxPageSize = Number.POSITIVE_INFINITY;
  #windows = new Map<string, { start: number; used: number }>();
  #lastStamp = 0;

  constructor(token: string) {
    super();
    this.tokens.add(token);
    this.route('GET', '/api/v1/users', (r) => this.#guard(r, 'users', () => this.#listUsers(r)));
    this.route('GET', '/api/v1/users/{id}', (r) => this.#guard(r, 'users', () => this.#getUser(r)));
    this.route('GET', '/api/v1/users/{id}/groups', (r) => this.#guard(r, 'users', () => this.#userGroups(r)));
    this.route('GET', '/api/v1/logs', (r) => this.#guard(r, 'logs', () => this.#listLogs(r)));
    this.route('GET', '/api/v1/groups', (r) => this.#guard(r, 'groups', () => this.#listGroups(r)));
    this.route('GET', '/api/v1/groups/{id}/users', (r) => this.#guard(r, 'groups', () => this.#groupUsers(r)));
  }

  // ---- seeding and mutation, as an Okta admin would do in the console ----

  addUser(input: {
    login: string;
    firstName?: string;
    lastName?: string;
    status?: string;
    profile?: Record<string, unknown>;
  }): OktaUserRecord {
    const now = this.#stamp();
    const user: OktaUserRecord = {
      id: oktaId('00u'),
      status: input.status ?? 'ACTIVE',
      created: now,
      activated: now,
      statusChanged: now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: now,
      type: { id: 'oty1dvb3pwhbbHtDv0h8' },
      profile: {
        firstName: input.firstName ?? input.login.split('@')[0]!,
        lastName: input.lastName ?? 'Example',
        login: input.login,
        email: input.login,
        ...input.profile,
      },
    };
    this.users.set(user.id, user);
    return user;
  }

  addGroup(name: string, description = ''): OktaGroupRecord {
    const now = this.#stamp();
    const group: OktaGroupRecord = {
      id: oktaId('00g'),
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      objectClass: ['okta:user_group'],
      type: 'OKTA_GROUP',
      profile: { name, description },
    };
    this.groups.set(group.id, group);
    this.memberships.set(group.id, new Set());
    return group;
  }

  /**
   * Okta's clock for `lastUpdated` and `lastMembershipUpdated`: milliseconds, and strictly
   * increasing here, so two changes in one millisecond still read as two moments.
   */
  #stamp(): string {
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1);
    return new Date(this.#lastStamp).toISOString();
  }

  /** As Okta: a membership change moves the group's `lastMembershipUpdated` (not the user's `lastUpdated`). */
  addToGroup(groupId: string, userId: string): void {
    const members = this.memberships.get(groupId)!;
    if (members.has(userId)) return;
    members.add(userId);
    this.groups.get(groupId)!.lastMembershipUpdated = this.#stamp();
  }

  removeFromGroup(groupId: string, userId: string): void {
    if (this.memberships.get(groupId)!.delete(userId)) this.groups.get(groupId)!.lastMembershipUpdated = this.#stamp();
  }

  /** A profile change, as an admin or a directory import makes it: `lastUpdated` moves. */
  updateProfile(userId: string, patch: Record<string, unknown>): OktaUserRecord {
    const user = this.users.get(userId)!;
    Object.assign(user.profile, patch);
    user.lastUpdated = this.#stamp();
    return user;
  }

  /** Renames a group (its `lastUpdated` moves; its members and `lastMembershipUpdated` do not). */
  renameGroup(groupId: string, name: string): OktaGroupRecord {
    const group = this.groups.get(groupId)!;
    group.profile.name = name;
    group.lastUpdated = this.#stamp();
    return group;
  }

  /** Deletes a group and its memberships, with Okta's `group.lifecycle.delete` event. */
  deleteGroup(groupId: string): void {
    const group = this.groups.get(groupId)!;
    this.emit('group.lifecycle.delete', [group]);
    this.groups.delete(groupId);
    this.memberships.delete(groupId);
  }

  /**
   * Deletes a user as an admin does in Okta: someone not yet deactivated is deactivated first
   * (Okta deletes only DEPROVISIONED users), then deleted — out of every group, with the System
   * Log's `user.lifecycle.delete.initiated` event.
   */
  deleteUser(userId: string): void {
    const user = this.users.get(userId)!;
    if (user.status !== 'DEPROVISIONED') this.deactivate(userId);
    this.emit('user.lifecycle.delete.initiated', [user]);
    this.users.delete(userId);
    for (const [groupId, members] of this.memberships) {
      if (members.delete(userId)) this.groups.get(groupId)!.lastMembershipUpdated = this.#stamp();
    }
  }

  setStatus(userId: string, status: string): void {
    const user = this.users.get(userId)!;
    user.status = status;
    user.statusChanged = user.lastUpdated = this.#stamp();
  }

  /** Records a System Log event with Okta's LogEvent shape and returns it. */
  emit(
    eventType: string,
    targets: Array<OktaUserRecord | OktaGroupRecord>,
    options: { actor?: string; result?: string; published?: Date } = {},
  ): OktaLogEvent {
    const event: OktaLogEvent = {
      actor: {
        id: '00uadmin0000000000000',
        type: 'User',
        alternateId: options.actor ?? 'admin@acme.example',
        displayName: 'Okta Admin',
        detailEntry: null,
      },
      client: {
        userAgent: { rawUserAgent: 'sandbox', os: 'Unknown', browser: 'UNKNOWN' },
        zone: 'null',
        device: 'Computer',
        id: null,
        ipAddress: '127.0.0.1',
        geographicalContext: null,
      },
      authenticationContext: { authenticationStep: 0, externalSessionId: 'trs-sandbox' },
      displayMessage: eventType,
      eventType,
      outcome: { result: options.result ?? 'SUCCESS', reason: null },
      published: (options.published ?? new Date()).toISOString(),
      securityContext: {},
      severity: 'INFO',
      debugContext: { debugData: {} },
      legacyEventType: null,
      transaction: { type: 'WEB', id: oktaId('00u').slice(3), detail: {} },
      uuid: crypto.randomUUID(),
      version: '0',
      request: { ipChain: [] },
      target: targets.map((t) =>
        'status' in t
          ? {
              id: t.id,
              type: 'User',
              alternateId: t.profile.login,
              displayName: `${t.profile.firstName} ${t.profile.lastName}`,
              detailEntry: null,
            }
          : { id: t.id, type: 'UserGroup', alternateId: 'unknown', displayName: t.profile.name, detailEntry: null },
      ),
    };
    this.logs.push(event);
    return event;
  }

  /** Deactivates a user as an admin would: status DEPROVISIONED and a `user.lifecycle.deactivate` event. */
  deactivate(userId: string): OktaLogEvent {
    this.setStatus(userId, 'DEPROVISIONED');
    return this.emit('user.lifecycle.deactivate', [this.users.get(userId)!]);
  }

  /**
   * Delivers events to an Event Hook as Okta does: a POST of the event hook envelope with the
   * configured Authorization header, abandoned after 3 seconds. Returns the status, or 'timeout'.
   */
  async deliverHook(url: string, authorization: string, events: OktaLogEvent[]): Promise<{ status: number | 'timeout'; body: unknown }> {
    const envelope = {
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      source: `${this.baseUrl}/api/v1/eventHooks/whokh0sandbox`,
      eventId: crypto.randomUUID(),
      eventTime: new Date().toISOString(),
      contentType: 'application/json',
      data: { events },
    };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(3000),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return { status: 'timeout', body: null };
      throw error;
    }
  }

  groupByName(name: string): OktaGroupRecord {
    const group = [...this.groups.values()].find((g) => g.profile.name === name);
    if (!group) throw new Error(`no sandbox group ${name}`);
    return group;
  }

  userByLogin(login: string): OktaUserRecord {
    const user = [...this.users.values()].find((u) => u.profile.login === login);
    if (!user) throw new Error(`no sandbox user ${login}`);
    return user;
  }

  // ---- protocol ----

  async #guard(req: SandboxRequest, family: string, handle: () => SandboxResponse): Promise<SandboxResponse> {
    const auth = req.headers.authorization ?? '';
    const [scheme, credential] = auth.split(' ');
    if (!credential || !['SSWS', 'Bearer'].includes(scheme ?? '') || !this.tokens.has(credential)) {
      return oktaError(401, 'E0000011', 'Invalid token provided');
    }
    const granted = this.scopes.get(credential);
    if (granted && !granted.has(family)) return oktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
    const now = Math.floor(Date.now() / 1000);
    const limit = this.rateLimits[family] ?? 600;
    const window = this.#windows.get(family);
    const current = window && now - window.start < this.windowSeconds ? window : { start: now, used: 0 };
    this.#windows.set(family, current);
    const reset = String(current.start + this.windowSeconds);
    if (current.used >= limit) {
      const reply = oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
      return { ...reply, headers: { 'x-rate-limit-limit': String(limit), 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset } };
    }
    current.used += 1;
    const reply = handle();
    return {
      ...reply,
      headers: {
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(limit - current.used),
        'x-rate-limit-reset': reset,
        ...reply.headers,
      },
    };
  }

  #page<T extends { id: string }>(req: SandboxRequest, items: T[], maxLimit: number, defaultLimit: number): SandboxResponse {
    const requested = Number(req.url.searchParams.get('limit') ?? defaultLimit);
    if (!Number.isInteger(requested) || requested < 1) return oktaError(400, 'E0000001', 'Api validation failed: limit');
    const limit = Math.min(requested, maxLimit, this.maxPageSize);
    const after = req.url.searchParams.get('after');
    const start = after ? items.findIndex((item) => item.id === after) + 1 : 0;
    const page = items.slice(start, start + limit);
    const links = [`<${this.#link(req, null)}>; rel="self"`];
    if (start + limit < items.length) links.push(`<${this.#link(req, page.at(-1)!.id)}>; rel="next"`);
    return { status: 200, body: page, headers: { link: links.join(', ') } };
  }

  #link(req: SandboxRequest, after: string | null): string {
    const url = new URL(req.url.pathname + req.url.search, this.baseUrl);
    if (after) url.searchParams.set('after', after);
    return url.toString();
  }

  #matcher(req: SandboxRequest): Matcher | SandboxResponse {
    const search = req.url.searchParams.get('search');
    if (!search) return () => true;
    try {
      return parseSearch(search);
    } catch (error) {
      return oktaError(400, 'E0000031', `Invalid search criteria. ${(error as Error).message}`);
    }
  }

  /**
   * Okta's `filter` on users: `eq` on id, status, profile.login/email/firstName/lastName (and
   * gt/ge/lt/le on lastUpdated), joined by `and`/`or`; case-sensitive names and values; anything
   * else is a 400, as Okta answers. Read from the most up-to-date data, every status included.
   */
  #filter(text: string): Matcher | SandboxResponse {
    const terms = text.split(/\s+(and|or)\s+/);
    const checks: Matcher[] = [];
    const joins: string[] = [];
    for (const [i, term] of terms.entries()) {
      if (i % 2 === 1) {
        joins.push(term);
        continue;
      }
      const m =
        /^(id|status|profile\.login|profile\.email|profile\.firstName|profile\.lastName|lastUpdated) (eq|gt|ge|lt|le) "([^"]*)"$/.exec(
          term.trim(),
        );
      if (!m || (m[2] !== 'eq' && m[1] !== 'lastUpdated')) return oktaError(400, 'E0000031', `Invalid filter criteria: ${term.trim()}`);
      const [, attribute, op, value] = m as unknown as [string, string, string, string];
      checks.push((get) => {
        const actual = String(get(attribute) ?? '');
        return op === 'eq'
          ? actual === value
          : op === 'gt'
            ? actual > value
            : op === 'ge'
              ? actual >= value
              : op === 'lt'
                ? actual < value
                : actual <= value;
      });
    }
    if (new Set(joins).size > 1)
      return oktaError(
        400,
        'E0000031',
        'Invalid filter criteria: and/or mixed without parentheses (the stand-in reads one kind per filter)',
      );
    return (get) =>
      joins.reduce((result, join, i) => (join === 'and' ? result && checks[i + 1]!(get) : result || checks[i + 1]!(get)), checks[0]!(get));
  }

  #listUsers(req: SandboxRequest): SandboxResponse {
    const filter = req.url.searchParams.get('filter');
    if (filter !== null) {
      const matcher = this.#filter(filter);
      if (typeof matcher !== 'function') return matcher;
      return this.#page(
        req,
        [...this.users.values()].filter((u) => matcher(pathGetter(u as unknown as Record<string, unknown>))),
        200,
        200,
      );
    }
    const matcher = this.#matcher(req);
    if (typeof matcher !== 'function') return matcher;
    const search = req.url.searchParams.has('search');
    // Like Okta: a plain list leaves DEPROVISIONED users out; a search includes every status.
    const users = [...this.users.values()].filter(
      (u) => (search || u.status !== 'DEPROVISIONED') && matcher(pathGetter(u as unknown as Record<string, unknown>)),
    );
    return this.#page(req, users, 200, 200);
  }

  /**
   * `/api/v1/logs`. Without `until`, polling semantics: ascending from `since` (or after the
   * `after` cursor), and always a `next` link — an empty page repeats the same cursor. With
   * `until`, a bounded query: events published before it, and a `next` link only while more are
   * left. `filter` takes Okta's expression on `eventType` (`eq`, joined by `or`); anything else
   * is a 400, as Okta answers an expression it cannot read.
   */
  #listLogs(req: SandboxRequest): SandboxResponse {
    const q = req.url.searchParams;
    if (q.get('sortOrder') !== 'ASCENDING' && q.has('after'))
      return oktaError(400, 'E0000001', 'Api validation failed: after requires sortOrder=ASCENDING');
    const types = this.#logFilter(q.get('filter'));
    if (!(types instanceof Set) && types !== null) return types;
    const limit = Math.min(Number(q.get('limit') ?? 100), 1000, this.maxPageSize);
    // `after` is opaque (Okta: "<epoch ms>_<n>"); it alone says where the next page starts, and
    // Okta's next link carries no `since`: a client that rebuilds the link with a fresh `since`
    // silently skips what was logged in between.
    // `since` is the lower time bound of every query, with or without `after`.
    const after = q.get('after');
    const since = q.get('since') ? Date.parse(q.get('since')!) : after ? 0 : Date.now() - 7 * 86_400_000;
    const until = q.get('until') ? Date.parse(q.get('until')!) : null;
    let start = 0;
    if (after) {
      const position = /^\d+_(\d+)$/.exec(after);
      if (!position) return oktaError(400, 'E0000001', 'Api validation failed: after is not a cursor this server issued');
      start = Number(position[1]);
    }
    const inRange = (e: OktaLogEvent) =>
      Date.parse(e.published) >= since && (until === null || Date.parse(e.published) < until) && (!types || types.has(e.eventType));
    const page: OktaLogEvent[] = [];
    let end = start;
    for (; end < this.logs.length && page.length < limit; end++) if (inRange(this.logs[end]!)) page.push(this.logs[end]!);
    const more = this.logs.slice(end).some(inRange);
    const next = new URL('/api/v1/logs', this.baseUrl);
    for (const kept of ['filter', 'until']) if (q.has(kept)) next.searchParams.set(kept, q.get(kept)!);
    next.searchParams.set('limit', String(limit));
    next.searchParams.set('sortOrder', 'ASCENDING');
    next.searchParams.set('after', `${Date.parse(this.logs[end - 1]?.published ?? new Date(0).toISOString())}_${end}`);
    const links = [`<${this.#link(req, null)}>; rel="self"`];
    if (until === null || more) links.push(`<${next}>; rel="next"`);
    return { status: 200, body: page, headers: { link: links.join(', ') } };
  }

  /** The event types a log `filter` names (`eventType eq "…"`, joined by `or`); null without a filter. */
  #logFilter(filter: string | null): Set<string> | SandboxResponse | null {
    if (filter === null) return null;
    const types = new Set<string>();
    for (const term of filter.split(/\s+or\s+/)) {
      const m = /^eventType eq "([^"]+)"$/.exec(term.trim());
      if (!m)
        return oktaError(400, 'E0000031', `Invalid filter criteria: ${term.trim()} (the stand-in reads eventType eq "…" joined by or)`);
      types.add(m[1]!);
    }
    return types;
  }

  #getUser(req: SandboxRequest): SandboxResponse {
    const ref = req.params.id!;
    const user = this.users.get(ref) ?? [...this.users.values()].find((u) => u.profile.login.toLowerCase() === ref.toLowerCase());
    return user ? { status: 200, body: user } : oktaError(404, 'E0000007', `Not found: Resource not found: ${ref} (User)`);
  }

  #userGroups(req: SandboxRequest): SandboxResponse {
    const user = this.users.get(req.params.id!);
    if (!user) return oktaError(404, 'E0000007', `Not found: Resource not found: ${req.params.id} (User)`);
    const groups = [...this.groups.values()].filter((g) => this.memberships.get(g.id)!.has(user.id));
    return { status: 200, body: groups };
  }

  #listGroups(req: SandboxRequest): SandboxResponse {
    const matcher = this.#matcher(req);
    if (typeof matcher !== 'function') return matcher;
    const q = req.url.searchParams.get('q')?.toLowerCase();
    const groups = [...this.groups.values()].filter(
      (g) => (!q || g.profile.name.toLowerCase().startsWith(q)) && matcher(pathGetter(g as unknown as Record<string, unknown>)),
    );
    // expand=stats: `_embedded.stats.usersCount`, Okta's own count of the group's members.
    const expanded =
      req.url.searchParams.get('expand') === 'stats'
        ? groups.map((g) => ({
            ...g,
            _embedded: {
              stats: { usersCount: this.memberships.get(g.id)!.size, appsCount: 0, groupPushMappingsCount: 0, hasAdminPrivilege: false },
            },
          }))
        : groups;
    return this.#page(req, expanded, 10000, 10000);
  }

  #groupUsers(req: SandboxRequest): SandboxResponse {
    const members = this.memberships.get(req.params.id!);
    if (!members) return oktaError(404, 'E0000007', `Not found: Resource not found: ${req.params.id} (UserGroup)`);
    return this.#page(
      req,
      [...members].map((id) => this.users.get(id)!),
      1000,
      1000,
    );
  }
}
