import { hubSpec } from '../spec/hub-spec.js';
import { StandInServer, type SandboxRequest, type SandboxResponse } from '../http-kit.js';
import { hexId, hubError } from './hub-kit.js';
import { registerRepos } from './repo-routes.js';
import { registerScim, type ScimUser } from './scim-routes.js';
import { whoami } from './whoami-route.js';
import { registerServiceAccounts } from './service-account-routes.js';
import { registerTokenExchange } from './token-exchange-routes.js';

/**
 * A stand-in for the Hub's organization API (see ../shared/reference/hf-hub-openapi-orgs.json):
 * members with cursor pagination in `Link`, `PUT …/members/{user}/role` that *replaces* the
 * resource-group list (omit it and the member loses them all, as on the Hub), resource groups,
 * SCIM users, and `whoami-v2`. Errors are `{"error": "…"}`; rate limits are fixed 5-minute windows
 * per token with `RateLimit` / `RateLimit-Policy` headers and 429 when spent.
 */

const ROLES = ['admin', 'write', 'contributor', 'read', 'no_access'];
// Academia is a paid plan in the spec's enum; its quota is not published, so it gets Team's.
export const PLAN_QUOTA = { team: 3000, academia: 3000, enterprise: 6000, plus: 10000 } as const;

export interface HubMemberRecord {
  _id: string;
  user: string;
  fullname: string;
  email: string;
  role: string;
  resourceGroups: Map<string, string>;
}

export interface HubTokenRecord {
  /** The id shown in the org's token settings; needed to revoke its org access. */
  id?: string;
  /** An org admin revoked this token's access to the org (it still works elsewhere). */
  orgAccessRevoked?: boolean;
  user: string;
  /** Role in the org when the owner is not a member (service accounts). */
  orgRole?: string;
  /** The token's owner is an org admin (members' role calls need it). */
  admin: boolean;
  kind: 'user' | 'scim';
  /** Epoch ms after which the token is refused (token-exchange tokens are short-lived). */
  expiresAt?: number;
  /** How whoami-v2 describes the token. */
  displayName?: string;
  /** `auth.accessToken.role` (default write); a fineGrained token can do only what `permissions` lists on the org. */
  accessRole?: 'read' | 'write' | 'fineGrained';
  /** fineGrained: the permissions scoped to the organization. */
  permissions?: string[];
  /** `orgs[].securityRestrictions` whoami-v2 shows for the org (the token cannot use the org's data). */
  securityRestrictions?: Array<'mfa' | 'token-policy' | 'token-revoked' | 'sso' | 'ip'>;
  /** The owner is a service account (not a member: see `serviceAccountRoleInWhoami`). */
  serviceAccount?: boolean;
  /** fineGrained: repositories (by id) the token has `repoPermissions` on. */
  repoIds?: string[];
  repoPermissions?: string[];
}

/** A repository on the stand-in (`GET /api/{models|datasets|spaces}/{ns}/{name}`; `POST …/commit` pushes to it). */
export interface HubRepoRecord {
  _id: string;
  kind: 'model' | 'dataset' | 'space';
  id: string;
  private: boolean;
  /** Commits pushed, with who pushed them (the token's owner and the token's id). */
  commits: Array<{ summary: string; by: string; tokenId: string | undefined }>;
}

/** A token that may change the org: write (or god), or fine-grained with org.write on it. */
function canWrite(record: HubTokenRecord): boolean {
  const role = record.accessRole ?? 'write';
  return role === 'write' || (role === 'fineGrained' && (record.permissions ?? []).includes('org.write'));
}

export class HubStandIn extends StandInServer {
  readonly members = new Map<string, HubMemberRecord>();
  readonly resourceGroups = new Map<string, { id: string; name: string; description: string | null }>();
  readonly tokens = new Map<string, HubTokenRecord>();
  /** Every token value ever issued (also after deletion): tests scan logs and state for them. */
  readonly issuedTokenValues: string[] = [];
  quota: number;
  windowSeconds = 300;
  /** Rate-limit headers: the IETF `RateLimit` pair (default), or only `Retry-After` on a 429 (as a proxy in front of the Hub may). */
  rateLimitHeaders: 'ratelimit' | 'retry-after-only' = 'ratelimit';
  /**
   * Resource groups the IdP manages through SCIM Groups, by id. The Hub's docs: changing a regular
   * (non-SCIM) user's membership in one of them answers 403 — and a role PUT resends every group.
   */
  readonly scimManagedResourceGroups = new Set<string>();
  /** The org's audit log, oldest first, as `GET …/audit-log/export` returns it. */
  readonly auditLog: Array<Record<string, unknown> & { createdAt: string; type: string }> = [];
  /** Token values invalidated through `POST /api/credentials/revoke` (their owners were emailed). */
  readonly revokedValues: string[] = [];
  /** The `q` of every audit-log export asked for ('' when unfiltered), for assertions. */
  readonly exportQueries: string[] = [];
  /** Caps member pages below the requested limit, as a server may; clients must follow `Link`. */
  maxPageSize = Number.POSITIVE_INFINITY;
  /** Service accounts by id (tests look inside). */
  serviceAccounts!: ReturnType<typeof registerServiceAccounts>;
  /** OAuth apps allowed to exchange tokens, by client id (tests add and look inside). */
  oauthApps!: ReturnType<typeof registerTokenExchange>;
  /** Seeding helper set by the service-account routes: an account an admin created on the website. */
  addServiceAccount!: (name: string, description?: string) => { id: string; user: string };
  /** Set by the SCIM routes: the invitee accepts a Basic SSO invitation and joins. */
  acceptInvitation!: (userName: string) => void;
  /** Set by the SCIM routes: the SCIM user record of `userName`, if any. */
  scimUser!: (userName: string) => ScimUser | undefined;
  /** Seeding helper set by the SCIM routes: gives an existing member a SCIM identity. */
  scimLink!: (userName: string) => void;
  /**
   * Whether whoami-v2 shows `roleInOrg` for a service account's token. The spec leaves it optional
   * and the Hub's docs say service accounts are not members; off by default (the stricter reading).
   */
  serviceAccountRoleInWhoami = false;
  /** The organization's id (whoami's `orgs[].id`, the entity of org-scoped fine-grained permissions). */
  readonly orgId = hexId();
  #windows = new Map<string, { start: number; used: number }>();

  constructor(
    readonly org: string,
    public plan: keyof typeof PLAN_QUOTA = 'enterprise',
  ) {
    super();
    this.spec = hubSpec();
    this.quota = PLAN_QUOTA[plan];
    const base = '/api/organizations/{org}';
    this.route('GET', `${base}/members`, (r) => this.#guard(r, 'user', () => this.#listMembers(r)));
    this.route('PUT', `${base}/members/{user}/role`, (r) => this.#guard(r, 'admin', () => this.#setRole(r)));
    this.route('GET', `${base}/resource-groups`, (r) => this.#guard(r, 'user', () => this.#listResourceGroups(r)));
    this.route('POST', `${base}/resource-groups`, (r) => this.#guard(r, 'admin', () => this.#createResourceGroup(r)));
    this.route('GET', `${base}/audit-log/export`, (r) =>
      this.#guard(r, 'admin', () => {
        const q = r.url.searchParams.get('q');
        this.exportQueries.push(q ?? '');
        const [field, value] = q ? q.split(':', 2) : [];
        const rows = this.auditLog.filter(
          (e) => !q || (field === 'type' && e.type === value) || (field === 'author' && (e.author as { user: string }).user === value),
        );
        return { status: 200, body: rows.slice(-100_000) };
      }),
    );
    this.route('GET', '/api/whoami-v2', (r) =>
      this.#guard(r, 'any', () => whoami(this, this.tokens.get((r.headers.authorization ?? '').slice(7))!)),
    );
    this.route('POST', `${base}/settings/tokens/{tokenId}/revoke`, (r) =>
      this.#guard(r, 'admin', () => {
        const token = [...this.tokens.values()].find((t) => t.id === r.params.tokenId);
        if (!token) return hubError(404, `Token ${r.params.tokenId} not found`);
        token.orgAccessRevoked = true;
        return { status: 200, body: { success: true } };
      }),
    );
    // Public: the raw value is the only proof (the spec's `security: []`); always 202, so it cannot probe.
    this.route('POST', '/api/credentials/revoke', (r) => {
      for (const value of (r.body as { credentials: string[] }).credentials) {
        if (this.tokens.delete(value)) this.revokedValues.push(value);
      }
      return { status: 202 };
    });
    registerRepos(this);
    registerScim(this);
    this.serviceAccounts = registerServiceAccounts(this);
    this.oauthApps = registerTokenExchange(this);
  }

  // ---- seeding, as an org admin would do on the website ----

  addMember(user: string, role: string, resourceGroups: Record<string, string> = {}, fullname = user): HubMemberRecord {
    const rgs = new Map(Object.entries(resourceGroups).map(([name, r]) => [this.resourceGroupByName(name).id, r]));
    const record = { _id: hexId(), user, fullname, email: `${user}@users.example`, role, resourceGroups: rgs };
    this.members.set(user.toLowerCase(), record);
    return record;
  }

  addResourceGroup(name: string, description: string | null = null): string {
    const id = hexId();
    this.resourceGroups.set(id, { id, name, description });
    return id;
  }

  resourceGroupByName(name: string): { id: string; name: string } {
    const rg = [...this.resourceGroups.values()].find((g) => g.name === name);
    if (!rg) throw new Error(`no sandbox resource group ${name}`);
    return rg;
  }

  member(user: string): HubMemberRecord | undefined {
    return this.members.get(user.toLowerCase());
  }

  /** A member's resource groups by name, for assertions. */
  memberResourceGroups(user: string): Record<string, string> {
    const m = this.member(user);
    return Object.fromEntries(
      [...(m?.resourceGroups ?? new Map<string, string>())].map(([id, role]) => [this.resourceGroups.get(id)!.name, role]),
    );
  }

  /** Appends an audit-log event authored by `author` (a Hub username), with the export's shape. */
  audit(type: string, author: string, message: string, data: Record<string, unknown>, tokenValue?: string): void {
    const member = this.member(author);
    // An action made with an access token names it (its id and last four characters), as the export's schema allows.
    const token = tokenValue === undefined ? undefined : this.tokens.get(tokenValue);
    this.auditLog.push({
      _id: hexId(),
      createdAt: new Date().toISOString(),
      type,
      message,
      data,
      ip: '127.0.0.1',
      userAgent: 'sandbox',
      author: { _id: member?._id ?? hexId(), user: author, avatarUrl: '/avatars/a.svg', type: 'user' },
      ...(tokenValue === undefined
        ? {}
        : {
            token: {
              type: 'access_token',
              id: token?.id ?? hexId(),
              role: token?.accessRole ?? 'write',
              last4: tokenValue.slice(-4),
              deleted: false,
            },
          }),
    });
  }

  /** An admin changes a member's role on the website (not through hf-iam-sync). */
  changeRoleByHand(admin: string, user: string, role: string): void {
    const m = this.member(user)!;
    const from = m.role;
    m.role = role;
    this.audit('org.change_role', admin, `Changed role of ${user} from ${from} to ${role}`, { user, oldRole: from, role });
  }

  /** Repositories by their `_id`. */
  readonly repos = new Map<string, HubRepoRecord>();

  addRepo(kind: HubRepoRecord['kind'], id: string, options: { private?: boolean } = {}): HubRepoRecord {
    const repo: HubRepoRecord = { _id: hexId(), kind, id, private: options.private ?? true, commits: [] };
    this.repos.set(repo._id, repo);
    return repo;
  }

  repoByName(kind: HubRepoRecord['kind'], id: string): HubRepoRecord | undefined {
    return [...this.repos.values()].find((r) => r.kind === kind && r.id.toLowerCase() === id.toLowerCase());
  }

  /** The record of a bearer token the stand-in knows (undefined: not a token, or deleted). */
  tokenOf(authorization: string | undefined): HubTokenRecord | undefined {
    const value = (authorization ?? '').replace(/^Bearer /i, '');
    const record = this.tokens.get(value);
    return record && (record.expiresAt === undefined || record.expiresAt > Date.now()) ? record : undefined;
  }

  addToken(token: string, record: HubTokenRecord): void {
    this.tokens.set(token, record);
    this.issuedTokenValues.push(token);
  }

  /** Accepts `token` right now? (What a consumer using it would find out.) */
  accepts(token: string): boolean {
    const record = this.tokens.get(token);
    return record !== undefined && (record.expiresAt === undefined || record.expiresAt > Date.now()) && !record.orgAccessRevoked;
  }

  // ---- protocol ----

  async #guard(req: SandboxRequest, need: 'any' | 'user' | 'admin' | 'scim', handle: () => SandboxResponse): Promise<SandboxResponse> {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const record = this.tokens.get(token);
    if (!record || (record.expiresAt !== undefined && record.expiresAt <= Date.now()))
      return hubError(401, 'Invalid credentials in Authorization header');
    const now = Math.floor(Date.now() / 1000);
    const window = this.#windows.get(token);
    const current = window && now - window.start < this.windowSeconds ? window : { start: now, used: 0 };
    this.#windows.set(token, current);
    const policy = `"fixed window";"api";q=${this.quota};w=${this.windowSeconds}`;
    const resetIn = Math.max(1, current.start + this.windowSeconds - now);
    const onlyRetryAfter = this.rateLimitHeaders === 'retry-after-only';
    if (current.used >= this.quota) {
      return {
        ...hubError(429, 'You have exceeded our hourly quotas for action: api'),
        headers: onlyRetryAfter ? { 'retry-after': String(resetIn) } : { ratelimit: `"api";r=0;t=${resetIn}`, 'ratelimit-policy': policy },
      };
    }
    current.used += 1;
    const orgParam = req.params.org;
    if (orgParam !== undefined && orgParam !== this.org) return { ...hubError(404, `Organization ${orgParam} not found`) };
    if (orgParam !== undefined && record.orgAccessRevoked) return hubError(403, 'This token has been revoked from the organization');
    if (need === 'scim' && record.kind !== 'scim') return hubError(401, 'Invalid SCIM token');
    if ((need === 'user' || need === 'admin') && record.kind !== 'user')
      return hubError(401, 'Invalid credentials in Authorization header');
    if (need === 'admin' && !record.admin) return hubError(403, 'You must be an admin of this organization to do that');
    if (need === 'admin' && !canWrite(record))
      return hubError(403, 'This token does not have the org.write permission on this organization');
    if (orgParam !== undefined && record.securityRestrictions?.length)
      return hubError(403, `Access to this organization is restricted: ${record.securityRestrictions.join(', ')}`);
    const reply = handle();
    return {
      ...reply,
      headers: {
        ...(onlyRetryAfter ? {} : { ratelimit: `"api";r=${this.quota - current.used};t=${resetIn}`, 'ratelimit-policy': policy }),
        ...reply.headers,
      },
    };
  }

  guardScim(req: SandboxRequest, handle: () => SandboxResponse): Promise<SandboxResponse> {
    return this.#guard(req, 'scim', handle);
  }

  guardAdmin(req: SandboxRequest, handle: () => SandboxResponse): Promise<SandboxResponse> {
    return this.#guard(req, 'admin', handle);
  }

  /** `numUsers` of every resource group, counted in one pass (a page of 10,000 members must not recount per member). */
  resourceGroupSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const member of this.members.values()) for (const id of member.resourceGroups.keys()) sizes.set(id, (sizes.get(id) ?? 0) + 1);
    return sizes;
  }

  memberJson(m: HubMemberRecord, sizes: Map<string, number> = this.resourceGroupSizes()): Record<string, unknown> {
    return {
      avatarUrl: `/avatars/${m._id}.svg`,
      fullname: m.fullname,
      isPro: false,
      user: m.user,
      type: 'user',
      _id: m._id,
      role: m.role,
      twoFaEnabled: true,
      verifiedEmail: m.email,
      isExternalCollaborator: false,
      resourceGroups: [...m.resourceGroups].map(([id, role]) => ({
        name: this.resourceGroups.get(id)!.name,
        id,
        role,
        numUsers: sizes.get(id) ?? 0,
      })),
    };
  }

  #listMembers(req: SandboxRequest): SandboxResponse {
    const q = req.url.searchParams;
    const limit = Number(q.get('limit') ?? 500);
    if (!Number.isInteger(limit) || limit < 10 || limit > 10000) return hubError(400, 'limit must be an integer between 10 and 10000');
    const search = q.get('search')?.toLowerCase();
    const email = q.get('email')?.toLowerCase();
    const all = [...this.members.values()].filter(
      (m) =>
        (!search || m.user.toLowerCase().includes(search) || m.fullname.toLowerCase().includes(search)) &&
        (!email || m.email.toLowerCase() === email),
    );
    const cursor = q.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) return hubError(400, 'Invalid cursor');
    const size = Math.min(limit, this.maxPageSize);
    const page = all.slice(start, start + size);
    const headers: Record<string, string> = {};
    if (start + size < all.length) {
      const next = new URL(req.url.pathname, this.baseUrl);
      for (const [k, v] of q) if (k !== 'cursor') next.searchParams.set(k, v);
      next.searchParams.set('cursor', Buffer.from(String(start + size)).toString('base64url'));
      headers.link = `<${next}>; rel="next"`;
    }
    const sizes = this.resourceGroupSizes();
    return { status: 200, body: page.map((m) => this.memberJson(m, sizes)), headers };
  }

  #setRole(req: SandboxRequest): SandboxResponse {
    const body = req.body as { role?: unknown; resourceGroups?: unknown } | undefined;
    if (!body || typeof body.role !== 'string' || !ROLES.includes(body.role)) {
      return hubError(400, `role must be one of ${ROLES.join(', ')}`);
    }
    const groups = body.resourceGroups ?? [];
    if (!Array.isArray(groups)) return hubError(400, 'resourceGroups must be an array');
    const next = new Map<string, string>();
    for (const g of groups as Array<{ id?: unknown; role?: unknown }>) {
      if (typeof g.id !== 'string' || !/^[0-9a-fA-F]{24}$/.test(g.id))
        return hubError(400, 'resourceGroups[].id must be a 24-character hex id');
      if (typeof g.role !== 'string' || !ROLES.includes(g.role))
        return hubError(400, `resourceGroups[].role must be one of ${ROLES.join(', ')}`);
      if (!this.resourceGroups.has(g.id)) return hubError(404, `Resource group ${g.id} not found`);
      next.set(g.id, g.role);
    }
    const member = this.member(req.params.user!);
    if (!member) return hubError(404, `User ${req.params.user} is not a member of ${this.org}`);
    for (const id of this.scimManagedResourceGroups) {
      if (member.resourceGroups.get(id) !== next.get(id)) {
        return hubError(
          403,
          `Resource group ${this.resourceGroups.get(id)!.name} is managed by SCIM: its members change only through your identity provider`,
        );
      }
    }
    const value = (req.headers.authorization ?? '').slice(7);
    const author = this.tokens.get(value)!.user;
    const from = member.role;
    member.role = body.role;
    // The Hub replaces the whole list: resource groups not sent are dropped.
    member.resourceGroups = next;
    this.audit(
      'org.change_role',
      author,
      `Changed role of ${member.user} from ${from} to ${body.role}`,
      { user: member.user, oldRole: from, role: body.role },
      value,
    );
    return { status: 200, body: { success: true } };
  }

  #listResourceGroups(_req: SandboxRequest): SandboxResponse {
    const body = [...this.resourceGroups.values()].map((rg) => ({
      id: rg.id,
      name: rg.name,
      description: rg.description,
      autoJoin: { enabled: false },
      users: [...this.members.values()]
        .filter((m) => m.resourceGroups.has(rg.id))
        .map((m) => ({
          type: 'user',
          _id: m._id,
          fullname: m.fullname,
          name: m.user,
          avatarUrl: `/avatars/${m._id}.svg`,
          role: m.resourceGroups.get(rg.id)!,
        })),
      resources: [],
      repos: [],
    }));
    return { status: 200, body };
  }

  #createResourceGroup(req: SandboxRequest): SandboxResponse {
    const body = req.body as { name?: unknown; description?: unknown } | undefined;
    if (!body || typeof body.name !== 'string' || body.name === '') return hubError(400, 'name is required');
    if ([...this.resourceGroups.values()].some((g) => g.name === body.name))
      return hubError(409, 'A resource group with this name already exists');
    const id = this.addResourceGroup(body.name, typeof body.description === 'string' ? body.description : null);
    return {
      status: 200,
      body: {
        id,
        name: body.name,
        description: body.description ?? null,
        autoJoin: { enabled: false },
        users: [],
        resources: [],
        repos: [],
      },
    };
  }
}
