import type { HubAuditEvent } from '../../domain/out-of-band.js';
import type { Access } from '../../domain/plan.js';
import { isRole } from '../../domain/roles.js';
import type { HubMember, MembershipMode, ResourceGroupRef } from '../../domain/types.js';
import type { HubIdentity, HubOrg } from '../../ports/hub-org.js';
import { IncompleteReadError, NotFoundError } from '../../runtime/errors.js';
import { mapLimit } from '../../runtime/map-limit.js';
import { HubHttp, type HubFetch } from './hub-http.js';
import type { HubRateLimits } from './rate-limiter.js';
import { tokenAccess, type WhoamiBody } from './whoami.js';

/**
 * `HubOrg` over the Hub's REST and SCIM APIs. Members are read 10,000 a page (the API's maximum),
 * so most organizations cost one call. SCIM calls use their own token and the path of the chosen
 * membership mode (`scim/v2` for managed orgs, `scim-provisioning/v2` for Basic SSO).
 */

interface RawMember {
  user: string;
  fullname?: string;
  verifiedEmail?: string | null;
  role?: string;
  resourceGroups?: Array<{ id: string; name: string; role: string }>;
}

interface ScimList {
  Resources: Array<{ id: string; userName: string; active: boolean }>;
}

/** One event of the audit-log export (the fields the product reads; the rest is kept whole). */
interface ExportedEvent {
  _id: string;
  createdAt: string;
  type: string;
  message: string;
  data?: unknown;
  author: { user: string };
  token?: { last4?: string };
}

export class HubOrgHttp implements HubOrg {
  readonly #api: HubHttp;
  readonly #scim: HubHttp | undefined;
  readonly #org: string;
  readonly #scimBase: string;

  constructor(options: {
    endpoint: string;
    token: string;
    scimToken?: string | undefined;
    organization: string;
    membership: MembershipMode;
    retryBaseMs?: number;
    fetch?: HubFetch;
    /** Shared pacing per token (HubHttp's `limits`). */
    limits?: HubRateLimits;
  }) {
    const common = {
      endpoint: options.endpoint,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
    this.#api = new HubHttp({ ...common, token: options.token, tokenName: 'HF_TOKEN' });
    this.#scim = options.scimToken ? new HubHttp({ ...common, token: options.scimToken, tokenName: 'HF_SCIM_TOKEN' }) : undefined;
    this.#org = encodeURIComponent(options.organization);
    this.#scimBase = `/api/organizations/${this.#org}/${options.membership === 'scim-basic' ? 'scim-provisioning' : 'scim'}/v2`;
  }

  pace(): { callsLeft: number | null; waitMs: number; resetInMs: number } {
    return this.#api.limiter.pace();
  }

  async listMembers(): Promise<HubMember[]> {
    const raw = await this.#api.getAllPages<RawMember>(`/api/organizations/${this.#org}/members?limit=10000`, 'list organization members');
    return raw.map((m) => this.#toMember(m));
  }

  async findMember(username: string): Promise<HubMember | null> {
    const path = `/api/organizations/${this.#org}/members?limit=100&search=${encodeURIComponent(username)}`;
    const raw = await this.#api.getAllPages<RawMember>(path, `find member ${username}`);
    const exact = raw.find((m) => m.user.toLowerCase() === username.toLowerCase());
    return exact ? this.#toMember(exact) : null;
  }

  async findMemberByEmail(email: string): Promise<HubMember | null> {
    const raw = await this.#api.getAllPages<RawMember>(
      `/api/organizations/${this.#org}/members?limit=100&email=${encodeURIComponent(email)}`,
      `find member by email`,
    );
    return raw.length === 1 ? this.#toMember(raw[0]!) : null;
  }

  async listResourceGroups(): Promise<ResourceGroupRef[]> {
    const { body } = await this.#api.send<Array<{ id: string; name: string }>>({
      method: 'GET',
      path: `/api/organizations/${this.#org}/resource-groups`,
      idempotent: true,
      operation: 'list resource groups',
    });
    return body.map((rg) => ({ id: rg.id, name: rg.name }));
  }

  async setAccess(username: string, access: Access): Promise<void> {
    await this.#api.send({
      method: 'PUT',
      path: `/api/organizations/${this.#org}/members/${encodeURIComponent(username)}/role`,
      body: { role: access.role, resourceGroups: access.resourceGroups.map((rg) => ({ id: rg.id, role: rg.role })) },
      idempotent: true,
      operation: `set role of ${username}`,
    });
  }

  async whoami(): Promise<HubIdentity> {
    const { body } = await this.#api.send<WhoamiBody>({ method: 'GET', path: '/api/whoami-v2', idempotent: true, operation: 'whoami' });
    const { otherOrgs: _others, ...access } = tokenAccess(body, decodeURIComponent(this.#org));
    return { user: body.name, ...access };
  }

  async readAuditLog(types: readonly string[]): Promise<HubAuditEvent[]> {
    const byId = new Map<string, HubAuditEvent>();
    // The export filters on one field:value; one call per type, a few at a time.
    await mapLimit(types, 4, async (type) => {
      const { body } = await this.#api.send<
        Array<{ _id: string; createdAt: string; type: string; message: string; data?: unknown; author: { user: string } }>
      >({
        method: 'GET',
        path: `/api/organizations/${this.#org}/audit-log/export?q=${encodeURIComponent(`type:${type}`)}`,
        idempotent: true,
        operation: `export the audit log (${type})`,
      });
      for (const e of body)
        byId.set(e._id, {
          id: e._id,
          at: new Date(e.createdAt).toISOString(),
          type: e.type,
          author: e.author.user,
          message: e.message,
          data: e.data ?? null,
        });
    });
    return [...byId.values()];
  }

  async exportAuditLog(): Promise<HubAuditEvent[]> {
    const { body } = await this.#api.send<Array<ExportedEvent>>({
      method: 'GET',
      path: `/api/organizations/${this.#org}/audit-log/export`,
      idempotent: true,
      operation: 'export the audit log',
    });
    return body.map((e) => ({
      id: e._id,
      at: new Date(e.createdAt).toISOString(),
      type: e.type,
      author: e.author.user,
      message: e.message,
      data: e.data ?? null,
      tokenLast4: e.token?.last4 ?? null,
      raw: e as unknown as Record<string, unknown>,
    }));
  }

  async revokeOrgToken(tokenId: string): Promise<void> {
    await this.#api.send({
      method: 'POST',
      path: `/api/organizations/${this.#org}/settings/tokens/${encodeURIComponent(tokenId)}/revoke`,
      idempotent: true,
      operation: `revoke org access of token ${tokenId}`,
    });
  }

  async scimInvite(person: { username: string; email: string; externalId: string; givenName: string; familyName: string }): Promise<void> {
    await this.#scimApi().send({
      method: 'POST',
      path: `${this.#scimBase}/Users`,
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: person.username,
        externalId: person.externalId,
        active: true,
        name: { givenName: person.givenName, familyName: person.familyName },
        emails: [{ value: person.email, primary: true, type: 'work' }],
      },
      // A repeated POST could invite twice; the next run retries instead.
      idempotent: false,
      operation: `SCIM invite ${person.username}`,
    });
  }

  async listScimUsers(userName?: string): Promise<Array<{ userName: string; active: boolean }>> {
    const filter = userName === undefined ? '' : `&filter=${encodeURIComponent(`userName eq "${userName}"`)}`;
    const users: Array<{ userName: string; active: boolean }> = [];
    // SCIM pages by startIndex (1-based) and count; totalResults says when the list is complete.
    for (let start = 1; ;) {
      const { body } = await this.#scimApi().send<ScimList & { totalResults: number }>({
        method: 'GET',
        path: `${this.#scimBase}/Users?startIndex=${start}&count=1000${filter}`,
        idempotent: true,
        operation: 'SCIM list users',
      });
      users.push(...body.Resources.map((u) => ({ userName: u.userName, active: u.active })));
      if (body.Resources.length === 0 || users.length >= body.totalResults) break;
      start += body.Resources.length;
    }
    return users;
  }

  async listScimManagedResourceGroups(): Promise<string[] | null> {
    if (!this.#scim) return null;
    const ids: string[] = [];
    for (let start = 1; ;) {
      const { body } = await this.#scim.send<{ totalResults: number; Resources: Array<{ id: string }> }>({
        method: 'GET',
        path: `${this.#scimBase}/Groups?startIndex=${start}&count=1000&excludedAttributes=members`,
        idempotent: true,
        operation: 'SCIM list groups',
      });
      ids.push(...body.Resources.map((g) => g.id));
      if (body.Resources.length === 0 || ids.length >= body.totalResults) return ids;
      start += body.Resources.length;
    }
  }

  async scimDeactivate(username: string): Promise<void> {
    const id = await this.#scimId(username);
    await this.#scimApi().send({
      method: 'PATCH',
      path: `${this.#scimBase}/Users/${id}`,
      idempotent: true,
      operation: `SCIM deactivate ${username}`,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] },
    });
  }

  async scimDelete(username: string): Promise<void> {
    const id = await this.#scimId(username);
    await this.#scimApi().send({
      method: 'DELETE',
      path: `${this.#scimBase}/Users/${id}`,
      idempotent: true,
      operation: `SCIM delete ${username}`,
    });
  }

  async #scimId(username: string): Promise<string> {
    const filter = encodeURIComponent(`userName eq "${username}"`);
    const { body } = await this.#scimApi().send<ScimList>({
      method: 'GET',
      path: `${this.#scimBase}/Users?filter=${filter}`,
      idempotent: true,
      operation: `SCIM find ${username}`,
    });
    const found = body.Resources.find((u) => u.userName.toLowerCase() === username.toLowerCase());
    if (!found)
      throw new NotFoundError(
        'huggingface',
        `SCIM find ${username}`,
        `no SCIM user named ${username}; was the person provisioned outside SCIM?`,
      );
    return found.id;
  }

  #scimApi(): HubHttp {
    if (!this.#scim) throw new IncompleteReadError('HF_SCIM_TOKEN is not set, but a SCIM call is needed');
    return this.#scim;
  }

  #toMember(m: RawMember): HubMember {
    if (!m.role || !isRole(m.role)) {
      throw new IncompleteReadError(
        `The Hub did not return a role for member ${m.user}: HF_TOKEN must belong to an admin of the organization`,
      );
    }
    return {
      user: m.user,
      fullname: m.fullname ?? m.user,
      email: m.verifiedEmail ?? null,
      role: m.role,
      resourceGroups: (m.resourceGroups ?? []).map((rg) => ({ id: rg.id, name: rg.name, role: isRole(rg.role) ? rg.role : 'no_access' })),
    };
  }
}
