import type { PlanInputs } from '../domain/compute-plan.js';
import type { PlanScope } from '../domain/plan.js';
import { conventionPrefix, resolveRules } from '../domain/rules.js';
import type { DirectoryGroup, DirectorySnapshot, HubSnapshot, ManagedMember } from '../domain/types.js';
import type { Directory } from '../ports/directory.js';
import type { HubOrg } from '../ports/hub-org.js';
import type { StateStore } from '../ports/state-store.js';
import type { Config } from '../runtime/config.js';
import { AppError, IncompleteReadError, describeError } from '../runtime/errors.js';

/**
 * Reads everything a plan needs — Okta, the Hub, our state — and nothing more. Any failure aborts
 * with `IncompleteReadError` before a single write: an empty or partial answer must never read as
 * "everyone left".
 *
 * Organization scope: one group search + the Hub's resource groups, then only the groups that bind
 * to a rule are read page by page, next to the Hub's member list and our managed set.
 * User scope: that person in Okta (and their groups), that member on the Hub, their state item;
 * the whole member list only when they are an admin (the last-admin guard needs the count).
 */

export interface ReadPorts {
  directory: Directory;
  hub: HubOrg;
  state: StateStore;
}

async function guarded<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof IncompleteReadError) throw error;
    const hint = error instanceof AppError ? '' : ' (unexpected error)';
    throw new IncompleteReadError(`Reading ${what} failed, so nothing was changed${hint}: ${describeError(error)}`, { cause: error });
  }
}

export async function readInputs(ports: ReadPorts, config: Config, scope: PlanScope): Promise<PlanInputs> {
  const org = config.policy.organization;
  const [groups, resourceGroups] = await Promise.all([
    guarded('Okta groups', () => ports.directory.findGroups({
      names: config.rules.map((r) => r.group),
      prefix: config.naming ? conventionPrefix(config.naming, org) : null,
    })),
    guarded('Hub resource groups', () => ports.hub.listResourceGroups()),
  ]);
  const bound = resolveRules(config.rules, config.naming, org, groups, resourceGroups).rules;
  const mappedIds = new Set(bound.map((r) => r.groupId));
  const mapped = groups.filter((g) => mappedIds.has(g.id));
  const common = { rules: config.rules, naming: config.naming, policy: config.policy, scope };

  if (scope.kind === 'organization') {
    const [directory, members, managed] = await Promise.all([
      guarded('Okta users and group members', () => ports.directory.readOrganization(mapped)),
      guarded('Hub members', () => ports.hub.listMembers()),
      guarded('hf-iam-sync state', () => ports.state.listManaged(org)),
    ]);
    return { ...common, directory: { ...directory, groups }, hub: { members, resourceGroups, complete: true }, managed };
  }
  return { ...common, ...(await readOneUser(ports, org, scope.user, groups, mapped, resourceGroups)) };
}

async function readOneUser(
  ports: ReadPorts, org: string, ref: string, groups: DirectoryGroup[], mapped: DirectoryGroup[], resourceGroups: HubSnapshot['resourceGroups'],
): Promise<{ directory: DirectorySnapshot; hub: HubSnapshot; managed: ManagedMember[] }> {
  const found = await guarded(`Okta user ${ref}`, () => ports.directory.readUser(ref, mapped));
  const directory: DirectorySnapshot = found ? { ...found, groups } : { groups, members: {}, users: [] };
  const usernames = new Set(directory.users.flatMap((u) => (u.hfUsername ? [u.hfUsername] : [])));
  // A ref that names no Okta user may still be a Hub username we manage (its Okta user is gone).
  if (usernames.size === 0 && !ref.includes('@') && !/^00u[A-Za-z0-9]{17}$/.test(ref)) usernames.add(ref);
  const members = [];
  const managed = [];
  for (const username of usernames) {
    const [member, state] = await Promise.all([
      guarded(`Hub member ${username}`, () => ports.hub.findMember(username)),
      guarded('hf-iam-sync state', () => ports.state.getManaged(org, username)),
    ]);
    if (member) members.push(member);
    if (state) managed.push(state);
  }
  let otherAdmins: string[] = [];
  if (members.some((m) => m.role === 'admin')) {
    const all = await guarded('Hub members', () => ports.hub.listMembers());
    const inScope = new Set(members.map((m) => m.user.toLowerCase()));
    otherAdmins = all.filter((m) => m.role === 'admin' && !inScope.has(m.user.toLowerCase())).map((m) => m.user);
  }
  return { directory, hub: { members, resourceGroups, complete: false, otherAdmins }, managed };
}
