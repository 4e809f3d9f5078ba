import type { Access, ClaimConflict, UnlinkedUser } from './plan.js';
import { maxRole, userKey } from './roles.js';
import type { BoundRule, ResolvedRules } from './rules.js';
import type { DirectorySnapshot, DirectoryUser, HubMember, MemberResourceGroup, Policy, Role } from './types.js';

/**
 * Desired state = f(Okta users and groups, rules). Only linked users (whose username attribute
 * names a Hub account) have a desired state; an Okta user without the attribute is reported as
 * unlinked, never matched by guesswork.
 */

export interface Entitlement {
  /** Lower-cased Hub username. */
  key: string;
  user: DirectoryUser;
  /** False: the person should have no access at all. */
  entitled: boolean;
  /** Org role and the *managed* resource groups' roles; meaningful when `entitled`. */
  access: Access;
  reasons: string[];
}

export interface DesiredState {
  byMember: Map<string, Entitlement>;
  conflicts: ClaimConflict[];
  unlinked: UnlinkedUser[];
}

function groupsOfUsers(directory: DirectorySnapshot): Map<string, string[]> {
  const byUser = new Map<string, string[]>();
  for (const [groupId, userIds] of Object.entries(directory.members)) {
    for (const id of userIds) {
      const groups = byUser.get(id);
      if (groups) groups.push(groupId);
      else byUser.set(id, [groupId]);
    }
  }
  return byUser;
}

function describeRule(rule: BoundRule): string {
  return `Okta group "${rule.group}" (${rule.source === 'config' ? 'rule' : 'naming convention'})`;
}

function entitle(user: DirectoryUser, rules: BoundRule[], policy: Policy): Pick<Entitlement, 'entitled' | 'access' | 'reasons'> {
  const none: Access = { role: 'no_access', resourceGroups: [] };
  if (!policy.entitledStatuses.includes(user.status)) {
    return { entitled: false, access: none, reasons: [`Okta status is ${user.status}`] };
  }
  if (rules.length === 0) {
    return { entitled: false, access: none, reasons: ['in no mapped Okta group'] };
  }
  const orgRules = rules.filter((r) => r.resourceGroupId === null);
  const reasons: string[] = [];
  let role: Role = policy.baseRole;
  if (orgRules.length > 0) {
    role = orgRules.map((r) => r.role as Role).reduce(maxRole);
    const winners = orgRules.filter((r) => r.role === role).map(describeRule);
    reasons.push(`org role ${role} via ${winners.join(', ')}`);
  } else {
    reasons.push(`org role ${role}: only resource-group rules apply (huggingface.baseRole)`);
  }
  const rgs = new Map<string, MemberResourceGroup & { via: BoundRule[] }>();
  for (const rule of rules) {
    if (rule.resourceGroupId === null) continue;
    const current = rgs.get(rule.resourceGroupId);
    const best: Role = current ? maxRole(current.role, rule.role) : rule.role;
    const via = [...(current?.via ?? []), rule].filter((r) => r.role === best);
    rgs.set(rule.resourceGroupId, { id: rule.resourceGroupId, name: rule.resourceGroup!, role: best, via });
  }
  const resourceGroups = [...rgs.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ via, ...rg }) => {
      reasons.push(`resource group "${rg.name}" ${rg.role} via ${via.map(describeRule).join(', ')}`);
      return rg;
    });
  return { entitled: true, access: { role, resourceGroups }, reasons };
}

/**
 * By policy (`okta.emailFallback`), an Okta user without the username attribute is linked to the
 * one Hub member whose SSO email is theirs — unless the attribute of another Okta user already
 * claims that member (the attribute wins; nothing is guessed).
 * @example linkByEmail(directory, hub.members).users.find((u) => u.linkedBy === 'email')
 */
export function linkByEmail(directory: DirectorySnapshot, members: readonly HubMember[]): DirectorySnapshot {
  const claimed = new Set(directory.users.flatMap((u) => (u.hfUsername ? [userKey(u.hfUsername)] : [])));
  const byEmail = new Map<string, HubMember[]>();
  for (const m of members) {
    if (!m.email) continue;
    const key = m.email.toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), m]);
  }
  const users = directory.users.map((u) => {
    if (u.hfUsername) return u;
    const found = byEmail.get(u.email.toLowerCase());
    if (found?.length !== 1 || claimed.has(userKey(found[0]!.user))) return u;
    return { ...u, hfUsername: found[0]!.user, linkedBy: 'email' as const };
  });
  return { ...directory, users };
}

/**
 * @example computeDesired(directory, resolveRules(...), policy).byMember.get('alice')?.access.role
 */
export function computeDesired(directory: DirectorySnapshot, resolved: ResolvedRules, policy: Policy): DesiredState {
  const rulesByGroup = new Map<string, BoundRule[]>();
  for (const rule of resolved.rules) {
    const list = rulesByGroup.get(rule.groupId);
    if (list) list.push(rule);
    else rulesByGroup.set(rule.groupId, [rule]);
  }
  const userGroups = groupsOfUsers(directory);
  const groupName = new Map(directory.groups.map((g) => [g.id, g.name]));

  const claims = new Map<string, DirectoryUser[]>();
  const unlinked: UnlinkedUser[] = [];
  for (const user of directory.users) {
    if (user.hfUsername) {
      const key = userKey(user.hfUsername);
      const claimants = claims.get(key);
      if (claimants) claimants.push(user);
      else claims.set(key, [user]);
      continue;
    }
    const mapped = (userGroups.get(user.id) ?? []).filter((g) => rulesByGroup.has(g));
    if (mapped.length > 0 && policy.entitledStatuses.includes(user.status)) {
      unlinked.push({ oktaUserId: user.id, oktaLogin: user.login, groups: mapped.map((g) => groupName.get(g) ?? g).sort() });
    }
  }

  const byMember = new Map<string, Entitlement>();
  const conflicts: ClaimConflict[] = [];
  for (const [key, users] of claims) {
    const distinct = [...new Map(users.map((u) => [u.id, u])).values()];
    if (distinct.length > 1) {
      conflicts.push({ user: key, oktaUsers: distinct.map((u) => u.login).sort() });
      continue;
    }
    const user = distinct[0]!;
    const rules = (userGroups.get(user.id) ?? []).flatMap((g) => rulesByGroup.get(g) ?? []);
    const entitlement = entitle(user, rules, policy);
    if (user.linkedBy === 'email') entitlement.reasons.push(`linked by SSO email ${user.email} (okta.emailFallback)`);
    byMember.set(key, { key, user, ...entitlement });
  }
  unlinked.sort((a, b) => a.oktaLogin.localeCompare(b.oktaLogin));
  conflicts.sort((a, b) => a.user.localeCompare(b.user));
  return { byMember, conflicts, unlinked };
}
