import type { TokenAccess } from '../../domain/token-check.js';

/** whoami-v2's answer, as much of it as the checks read (see the OpenAPI reference). */
export interface WhoamiBody {
  name: string;
  email?: string | null;
  orgs?: Array<{ name: string; id?: string; roleInOrg?: string; plan?: string; securityRestrictions?: string[] }>;
  auth?: {
    accessToken?: {
      role?: string;
      fineGrained?: { scoped?: Array<{ entity: { _id: string; name?: string; type: string }; permissions: string[] }> };
    };
  };
}

/** What the token may do in `organization` (case-insensitive), from a whoami-v2 answer. */
export function tokenAccess(body: WhoamiBody, organization: string): TokenAccess & { plan: string | null; otherOrgs: string[] } {
  const wanted = organization.toLowerCase();
  const org = body.orgs?.find((o) => o.name.toLowerCase() === wanted);
  const token = body.auth?.accessToken;
  const scoped = (token?.fineGrained?.scoped ?? []).filter(
    (s) => s.entity.type === 'org' && (s.entity.name?.toLowerCase() === wanted || (org?.id !== undefined && s.entity._id === org.id)),
  );
  return {
    reachesOrg: org !== undefined,
    roleInOrg: org?.roleInOrg ?? null,
    restrictions: org?.securityRestrictions ?? [],
    tokenRole: token?.role ?? null,
    orgPermissions: scoped.flatMap((s) => s.permissions),
    plan: org?.plan ?? null,
    otherOrgs: (body.orgs ?? []).filter((o) => o.name.toLowerCase() !== wanted).map((o) => o.name),
  };
}
