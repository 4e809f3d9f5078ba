import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../http-kit.js';
import type { HubStandIn } from './hub-stand-in.js';
import { hexId, hubError } from './hub-kit.js';

/**
 * Service accounts and their tokens on the Hub stand-in (Enterprise): list/create/get/delete
 * accounts, create/update/delete tokens, and `rotate`, which kills the old token at once. Every
 * token authenticates against the stand-in (whoami-v2 answers as the service account) until it is
 * deleted or rotated away. Token values are returned once, at creation, as on the Hub.
 */

interface TokenRecord {
  _id: string;
  displayName: string;
  createdAt: string;
  permissions: string[];
  repoIds: string[];
  repoPermissions: string[];
  value: string;
}

interface ServiceAccount {
  _id: string;
  user: string;
  name: string;
  email: string;
  description: string;
  createdAt: string;
  tokens: Map<string, TokenRecord>;
}

const PERMISSIONS = [
  'repo.content.read',
  'repo.write',
  'inference.serverless.write',
  'inference.endpoints.infer.write',
  'inference.endpoints.write',
  'org.read',
  'org.write',
  'collection.read',
  'collection.write',
  'resourceGroup.write',
  'job.write',
  'org.serviceAccounts.read',
  'org.serviceAccounts.write',
];

export function registerServiceAccounts(hub: HubStandIn): Map<string, ServiceAccount> {
  const accounts = new Map<string, ServiceAccount>();
  const base = '/api/organizations/{org}/service-accounts';
  const publicView = ({ tokens, ...sa }: ServiceAccount) => sa;
  /** A new token; its `tokenInfo` has the create answer's shape, or the rotate answer's (which carries last4 instead of the grants). */
  const issue = (
    sa: ServiceAccount,
    displayName: string,
    permissions: string[],
    shape: 'create' | 'rotate' = 'create',
    scope = { repoIds: [] as string[], repoPermissions: [] as string[] },
  ) => {
    const value = `hf_${randomBytes(17).toString('base64url')}`;
    const token = { _id: hexId(), displayName, createdAt: new Date().toISOString(), permissions, ...scope, value };
    sa.tokens.set(token._id, token);
    hub.addToken(value, {
      id: token._id,
      user: sa.user,
      admin: false,
      kind: 'user',
      orgRole: permissions.includes('org.write') ? 'write' : 'read',
      displayName,
      serviceAccount: true,
      accessRole: 'fineGrained',
      permissions,
      ...scope,
    });
    const info = { _id: token._id, displayName, createdAt: token.createdAt };
    return {
      token: value,
      tokenInfo:
        shape === 'rotate'
          ? { ...info, last4: value.slice(-4) }
          : { ...info, permissions, ...scope, endpointPatterns: [], skipNetworkSecurity: false },
    };
  };
  const account = (r: SandboxRequest): ServiceAccount | SandboxResponse =>
    accounts.get(r.params.sa!) ?? hubError(404, `Service account ${r.params.sa} not found`);
  /** The account's token named in the path, or the 404 to answer with. */
  const tokenOf = (r: SandboxRequest): { sa: ServiceAccount; token: TokenRecord } | SandboxResponse => {
    const sa = account(r);
    if (!('tokens' in sa)) return sa;
    const token = sa.tokens.get(r.params.token!);
    return token ? { sa, token } : hubError(404, `Token ${r.params.token} not found`);
  };
  const revoke = (sa: ServiceAccount, token: TokenRecord) => {
    sa.tokens.delete(token._id);
    hub.tokens.delete(token.value);
  };
  const badPermissions = (p: unknown) => !Array.isArray(p) || p.some((x) => !PERMISSIONS.includes(x as string));

  const create = (name: string, description: string): ServiceAccount => {
    const user = `${hub.org}-${name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-sa`;
    const sa: ServiceAccount = {
      _id: hexId(),
      user,
      name,
      email: `${user}@service-accounts.example`,
      description,
      createdAt: new Date().toISOString(),
      tokens: new Map(),
    };
    accounts.set(sa._id, sa);
    return sa;
  };
  hub.addServiceAccount = (name, description = '') => {
    const { _id, user } = create(name, description);
    return { id: _id, user };
  };

  hub.route('GET', base, (r) => hub.guardAdmin(r, () => ({ status: 200, body: [...accounts.values()].map(publicView) })));
  hub.route('POST', base, (r) =>
    hub.guardAdmin(r, () => {
      const body = r.body as { name?: unknown; description?: unknown } | undefined;
      if (typeof body?.name !== 'string' || body.name.length < 1 || body.name.length > 50)
        return hubError(400, 'name must be 1 to 50 characters');
      const sa = create(body.name, typeof body.description === 'string' ? body.description : '');
      return { status: 201, body: { _id: sa._id, user: sa.user, fullname: sa.name, description: sa.description, createdAt: sa.createdAt } };
    }),
  );
  hub.route('GET', `${base}/{sa}`, (r) =>
    hub.guardAdmin(r, () => {
      const sa = account(r);
      if (!('tokens' in sa)) return sa;
      const accessTokens = [...sa.tokens.values()].map(({ value, ...meta }) => ({
        ...meta,
        role: 'fineGrained',
        endpointPatterns: [],
        last4: value.slice(-4),
      }));
      return { status: 200, body: { ...publicView(sa), accessTokens } };
    }),
  );
  hub.route('DELETE', `${base}/{sa}`, (r) =>
    hub.guardAdmin(r, () => {
      const sa = account(r);
      if (!('tokens' in sa)) return sa;
      for (const t of [...sa.tokens.values()]) revoke(sa, t);
      accounts.delete(sa._id);
      return { status: 200, body: { success: true } };
    }),
  );
  hub.route('POST', `${base}/{sa}/tokens`, (r) =>
    hub.guardAdmin(r, () => {
      const sa = account(r);
      if (!('tokens' in sa)) return sa;
      const body = (r.body ?? {}) as { displayName?: unknown; permissions?: unknown; repoIds?: string[]; repoPermissions?: string[] };
      const permissions = body.permissions ?? [];
      if (badPermissions(permissions)) return hubError(400, `permissions must be a list of: ${PERMISSIONS.join(', ')}`);
      // The spec: repositories of the organization or public ones; anything else is refused.
      const unknown = (body.repoIds ?? []).find(
        (id) =>
          !hub.repos.has(id.toLowerCase()) ||
          (hub.repos.get(id.toLowerCase())!.private && !hub.repos.get(id.toLowerCase())!.id.startsWith(`${hub.org}/`)),
      );
      if (unknown) return hubError(400, `Repository ${unknown} not found, or neither public nor the organization's`);
      const scope = { repoIds: (body.repoIds ?? []).map((id) => id.toLowerCase()), repoPermissions: body.repoPermissions ?? [] };
      return {
        status: 201,
        body: issue(sa, typeof body.displayName === 'string' ? body.displayName : 'API Token', permissions as string[], 'create', scope),
      };
    }),
  );
  hub.route('PATCH', `${base}/{sa}/tokens/{token}`, (r) =>
    hub.guardAdmin(r, () => {
      const found = tokenOf(r);
      if (!('token' in found)) return found;
      const { token } = found;
      const body = (r.body ?? {}) as { displayName?: unknown; permissions?: unknown };
      if (body.permissions !== undefined && badPermissions(body.permissions))
        return hubError(400, `permissions must be a list of: ${PERMISSIONS.join(', ')}`);
      if (typeof body.displayName === 'string') token.displayName = body.displayName;
      if (body.permissions !== undefined) {
        token.permissions = body.permissions as string[];
        hub.tokens.get(token.value)!.permissions = token.permissions;
      }
      return {
        status: 200,
        body: {
          _id: token._id,
          displayName: token.displayName,
          permissions: token.permissions,
          repoIds: [],
          repoPermissions: [],
          endpointPatterns: [],
          skipNetworkSecurity: false,
        },
      };
    }),
  );
  hub.route('DELETE', `${base}/{sa}/tokens/{token}`, (r) =>
    hub.guardAdmin(r, () => {
      const found = tokenOf(r);
      if (!('token' in found)) return found;
      revoke(found.sa, found.token);
      return { status: 204 };
    }),
  );
  hub.route('POST', `${base}/{sa}/tokens/{token}/rotate`, (r) =>
    hub.guardAdmin(r, () => {
      const found = tokenOf(r);
      if (!('token' in found)) return found;
      // The old token stops working at once: the gap the overlap strategy avoids.
      revoke(found.sa, found.token);
      return { status: 200, body: issue(found.sa, found.token.displayName, found.token.permissions, 'rotate') };
    }),
  );
  return accounts;
}
