import type { SandboxResponse } from '../http-kit.js';
import type { HubStandIn, HubTokenRecord } from './hub-stand-in.js';
import { hexId } from './hub-kit.js';

/**
 * `GET /api/whoami-v2` on the Hub stand-in, in the spec's shape: the token's owner, the
 * organization with its plan, `roleInOrg` (left out for service accounts unless
 * `serviceAccountRoleInWhoami`, since the spec leaves it open) and `securityRestrictions`, and the
 * token's role with its org-scoped fine-grained permissions.
 */
export function whoami(hub: HubStandIn, record: HubTokenRecord): SandboxResponse {
  const member = hub.member(record.user);
  const roleInOrg = member?.role ?? record.orgRole;
  const showRole = !record.serviceAccount || hub.serviceAccountRoleInWhoami;
  const accessRole = record.accessRole ?? 'write';
  const org = {
    type: 'org',
    id: hub.orgId,
    name: hub.org,
    fullname: hub.org,
    email: null,
    canPay: true,
    avatarUrl: '/avatars/org.svg',
    periodEnd: null,
    plan: hub.plan,
    ...(showRole ? { roleInOrg } : {}),
    ...(record.securityRestrictions?.length ? { securityRestrictions: record.securityRestrictions } : {}),
  };
  const repos = (record.repoIds ?? []).flatMap((id) => {
    const repo = hub.repos.get(id);
    return repo ? [{ entity: { _id: repo._id, name: repo.id, type: repo.kind }, permissions: record.repoPermissions ?? [] }] : [];
  });
  const scoped =
    accessRole === 'fineGrained'
      ? [{ entity: { _id: hub.orgId, name: hub.org, type: 'org' }, permissions: record.permissions ?? [] }, ...repos]
      : [];
  return {
    status: 200,
    body: {
      type: 'user',
      id: member?._id ?? hexId(),
      name: record.user,
      fullname: member?.fullname ?? record.user,
      email: member?.email ?? null,
      emailVerified: true,
      isPro: false,
      canPay: false,
      avatarUrl: '/avatars/x.svg',
      periodEnd: null,
      orgs: roleInOrg && !record.orgAccessRevoked ? [org] : [],
      auth: {
        type: 'access_token',
        accessToken: {
          displayName: record.displayName ?? 'hf-iam-sync',
          role: accessRole,
          createdAt: '2026-01-01T00:00:00.000Z',
          ...(accessRole === 'fineGrained' ? { fineGrained: { scoped, global: [] } } : {}),
        },
        ...(record.expiresAt === undefined ? {} : { expiresAt: new Date(record.expiresAt).toISOString() }),
      },
    },
  };
}
