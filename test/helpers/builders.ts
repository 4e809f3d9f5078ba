import type { PlanInputs } from '../../shared/domain/compute-plan.js';
import type { DirectoryUser, HubMember, MemberResourceGroup, OktaStatus, Policy, Role, Rule } from '../../shared/domain/types.js';

/**
 * Builders for pure plan inputs: a tiny world described in a few lines per test.
 *   world({ okta: [['alice', ['eng-write']]], hub: [['alice', 'read']] })
 */

const RG = { llm: { id: 'a'.repeat(24), name: 'llm' }, vision: { id: 'b'.repeat(24), name: 'vision' } };

function policy(overrides: Partial<Policy> = {}): Policy {
  return {
    organization: 'acme',
    membership: 'roles',
    protectedUsers: [],
    maxRemovals: { kind: 'count', value: 100 },
    unmanagedMembers: 'report',
    entitledStatuses: ['ACTIVE', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY'],
    baseRole: 'read',
    scimDelete: false,
    ...overrides,
  };
}

const RULES: Rule[] = [
  { group: 'hf-admin', role: 'admin', source: 'config' },
  { group: 'hf-write', role: 'write', source: 'config' },
  { group: 'hf-read', role: 'read', source: 'config' },
  { group: 'hf-llm-write', role: 'write', resourceGroup: 'llm', source: 'config' },
  { group: 'hf-llm-read', role: 'read', resourceGroup: 'llm', source: 'config' },
];

export interface OktaPerson {
  username: string | null;
  login?: string;
  groups: string[];
  status?: OktaStatus;
}

export function rg(name: 'llm' | 'vision', role: Role): MemberResourceGroup {
  return { ...RG[name], role };
}

export function member(user: string, role: Role, resourceGroups: MemberResourceGroup[] = []): HubMember {
  return { user, fullname: user, role, resourceGroups };
}

export function world(spec: {
  okta: OktaPerson[];
  hub: HubMember[];
  managed?: string[];
  policy?: Partial<Policy>;
  rules?: Rule[];
  extraGroups?: string[];
}): PlanInputs {
  const groupNames = [
    ...new Set([...(spec.rules ?? RULES).map((r) => r.group), ...(spec.extraGroups ?? []), ...spec.okta.flatMap((p) => p.groups)]),
  ];
  const groups = groupNames.map((name, i) => ({ id: `00g${String(i).padStart(17, '0')}`, name }));
  const idOf = new Map(groups.map((g) => [g.name, g.id]));
  const users: DirectoryUser[] = spec.okta.map((p, i) => ({
    id: `00u${String(i).padStart(17, '0')}`,
    login: p.login ?? `${p.username ?? `user${i}`}@acme.example`,
    email: p.login ?? `${p.username ?? `user${i}`}@acme.example`,
    status: p.status ?? 'ACTIVE',
    hfUsername: p.username,
    displayName: p.username ?? `user${i}`,
  }));
  const members: Record<string, string[]> = Object.fromEntries(groups.map((g) => [g.id, [] as string[]]));
  spec.okta.forEach((p, i) => p.groups.forEach((g) => members[idOf.get(g)!]!.push(users[i]!.id)));
  return {
    directory: { groups, members, users },
    hub: { members: spec.hub, resourceGroups: [RG.llm, RG.vision], complete: true },
    managed: (spec.managed ?? []).map((user) => ({
      user,
      oktaUserId: null,
      role: 'read',
      resourceGroups: [],
      lastSyncedAt: '2026-01-01T00:00:00Z',
    })),
    rules: spec.rules ?? RULES,
    naming: null,
    policy: policy(spec.policy),
    scope: { kind: 'organization' },
  };
}
