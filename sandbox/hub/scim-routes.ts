import type { SandboxRequest, SandboxResponse } from '../http-kit.js';
import type { HubStandIn } from './hub-stand-in.js';
import { hexId } from './hub-kit.js';

/**
 * SCIM 2.0 users on the Hub stand-in, under both prefixes: `scim/v2` (managed, Enterprise Plus:
 * POST creates the account and it joins at once) and `scim-provisioning/v2` (Basic SSO: POST sends
 * an invitation; the person joins later). `active: false` deprovisions: the member leaves the org.
 */

export interface ScimUser {
  id: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  email: string;
  givenName: string;
  familyName: string;
}

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

function scimError(status: number, detail: string, scimType?: string): SandboxResponse {
  return { status, body: { schemas: [ERROR_SCHEMA], status: String(status), detail, ...(scimType ? { scimType } : {}) } };
}

export function registerScim(hub: HubStandIn): void {
  const users = new Map<string, ScimUser>();
  const resource = (u: ScimUser, base: string) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: u.id,
    externalId: u.externalId,
    userName: u.userName,
    displayName: u.userName,
    name: { givenName: u.givenName, familyName: u.familyName, formatted: `${u.givenName} ${u.familyName}` },
    emails: [{ value: u.email, primary: true, type: 'work' }],
    active: u.active,
    meta: { resourceType: 'User', location: `${hub.baseUrl}${base}/Users/${u.id}` },
  });

  for (const prefix of ['scim', 'scim-provisioning'] as const) {
    const base = `/api/organizations/{org}/${prefix}/v2`;
    const basePath = (r: SandboxRequest) => `/api/organizations/${r.params.org}/${prefix}/v2`;

    hub.route('GET', `${base}/Users`, (r) =>
      hub.guardScim(r, () => {
        const filter = r.url.searchParams.get('filter') ?? '';
        const match = /^(userName|externalId|emails)\s+eq\s+"?([^"]*)"?$/i.exec(filter.trim());
        if (filter && !match) return scimError(400, `Unsupported filter: ${filter}`, 'invalidFilter');
        const wanted = match?.[2]?.toLowerCase();
        const field = match?.[1]?.toLowerCase();
        const all = [...users.values()].filter(
          (u) =>
            !wanted ||
            (field === 'username' && u.userName.toLowerCase() === wanted) ||
            (field === 'externalid' && u.externalId?.toLowerCase() === wanted) ||
            (field === 'emails' && u.email.toLowerCase() === wanted),
        );
        const startIndex = Number(r.url.searchParams.get('startIndex') ?? 1);
        const count = Math.min(Number(r.url.searchParams.get('count') ?? 1000), 1000);
        const page = all.slice(startIndex - 1, startIndex - 1 + count);
        return {
          status: 200,
          body: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
            totalResults: all.length,
            itemsPerPage: page.length,
            startIndex,
            Resources: page.map((u) => resource(u, basePath(r))),
          },
        };
      }),
    );

    hub.route('POST', `${base}/Users`, (r) =>
      hub.guardScim(r, () => {
        const body = r.body as
          | {
              userName?: string;
              externalId?: string;
              emails?: Array<{ value?: string }>;
              name?: { givenName?: string; familyName?: string };
            }
          | undefined;
        const email = body?.emails?.[0]?.value;
        if (!body?.userName || !email) return scimError(400, 'userName and emails[0].value are required', 'invalidValue');
        if ([...users.values()].some((u) => u.userName.toLowerCase() === body.userName!.toLowerCase() && u.active)) {
          return scimError(409, `User ${body.userName} already exists`, 'uniqueness');
        }
        const user: ScimUser = {
          id: hexId(),
          userName: body.userName,
          externalId: body.externalId ?? null,
          active: true,
          email,
          givenName: body.name?.givenName ?? body.userName,
          familyName: body.name?.familyName ?? '',
        };
        users.set(user.id, user);
        if (prefix === 'scim' && !hub.member(user.userName))
          hub.addMember(user.userName, 'read', {}, `${user.givenName} ${user.familyName}`.trim());
        return { status: 201, body: resource(user, basePath(r)) };
      }),
    );

    hub.route('PATCH', `${base}/Users/{id}`, (r) =>
      hub.guardScim(r, () => {
        const user = users.get(r.params.id!);
        if (!user) return scimError(404, `User ${r.params.id} not found`);
        const ops = (r.body as { Operations?: Array<{ op?: string; path?: string; value?: unknown }> } | undefined)?.Operations;
        if (!Array.isArray(ops) || ops.length === 0) return scimError(400, 'Operations must be a non-empty array', 'invalidSyntax');
        for (const op of ops) {
          const active = op.path === 'active' ? op.value : (op.value as { active?: unknown } | undefined)?.active;
          if (op.op?.toLowerCase() !== 'replace' || typeof active !== 'boolean')
            return scimError(400, 'Only replace of active is supported here', 'invalidValue');
          user.active = active;
          if (!active) hub.members.delete(user.userName.toLowerCase());
          else if (!hub.member(user.userName)) hub.addMember(user.userName, 'read');
        }
        return { status: 200, body: resource(user, basePath(r)) };
      }),
    );

    hub.route('DELETE', `${base}/Users/{id}`, (r) =>
      hub.guardScim(r, () => {
        const user = users.get(r.params.id!);
        if (!user) return scimError(404, `User ${r.params.id} not found`);
        users.delete(user.id);
        hub.members.delete(user.userName.toLowerCase());
        return { status: 204 };
      }),
    );
  }

  /** SCIM Groups: the resource groups the IdP pushes (their SCIM id is the resource group's id). */
  for (const prefix of ['scim', 'scim-provisioning'] as const) {
    hub.route('GET', `/api/organizations/{org}/${prefix}/v2/Groups`, (r) =>
      hub.guardScim(r, () => {
        const all = [...hub.scimManagedResourceGroups].map((id) => hub.resourceGroups.get(id)!).filter(Boolean);
        const startIndex = Number(r.url.searchParams.get('startIndex') ?? 1);
        const count = Math.min(Number(r.url.searchParams.get('count') ?? 1000), 1000);
        const page = all.slice(startIndex - 1, startIndex - 1 + count);
        return {
          status: 200,
          body: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
            totalResults: all.length,
            itemsPerPage: page.length,
            startIndex,
            Resources: page.map((rg) => ({
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
              id: rg.id,
              displayName: rg.name,
              externalId: null,
              members: [...hub.members.values()].filter((m) => m.resourceGroups.has(rg.id)).map((m) => ({ value: m.user })),
              meta: { resourceType: 'Group', location: `${hub.baseUrl}/api/organizations/${r.params.org}/${prefix}/v2/Groups/${rg.id}` },
            })),
          },
        };
      }),
    );
  }

  /** The person accepts a Basic SSO invitation (scim-provisioning): they join the org as `read`. */
  hub.acceptInvitation = (userName: string) => {
    const user = [...users.values()].find((u) => u.userName.toLowerCase() === userName.toLowerCase() && u.active);
    if (!user) throw new Error(`no pending SCIM invitation for ${userName}`);
    hub.addMember(user.userName, 'read', {}, `${user.givenName} ${user.familyName}`);
  };
  /** What a SCIM user record holds, for assertions (undefined when there is none). */
  hub.scimUser = (userName: string) => [...users.values()].find((u) => u.userName.toLowerCase() === userName.toLowerCase());

  /** Seeding helper: a SCIM user record for an existing member. */
  hub.scimLink = (userName: string) => {
    const member = hub.member(userName);
    const user: ScimUser = {
      id: hexId(),
      userName,
      externalId: null,
      active: true,
      email: member?.email ?? `${userName}@users.example`,
      givenName: userName,
      familyName: '',
    };
    users.set(user.id, user);
  };
}
