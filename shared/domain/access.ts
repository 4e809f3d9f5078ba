import type { Access, Effect } from './plan.js';
import { compareRoles, maxRole } from './roles.js';
import type { MemberResourceGroup } from './types.js';

/** Value helpers over `Access`: equality, direction of a change, and the rebuild that keeps unmanaged resource groups. */

export const NO_ACCESS: Access = Object.freeze({ role: 'no_access', resourceGroups: [] }) as Access;

/** Resource groups in the order the plan shows and compares them: by name, then id. */
export function byName(a: MemberResourceGroup, b: MemberResourceGroup): number {
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

/** @example sameAccess({role: 'read', resourceGroups: []}, NO_ACCESS) === false */
export function sameAccess(a: Access, b: Access): boolean {
  if (a.role !== b.role || a.resourceGroups.length !== b.resourceGroups.length) return false;
  const roles = new Map(a.resourceGroups.map((rg) => [rg.id, rg.role]));
  return b.resourceGroups.every((rg) => roles.get(rg.id) === rg.role);
}

/** True when the person can reach nothing: `no_access` and no resource group. */
export function isNoAccess(access: Access | null): boolean {
  return access === null || (access.role === 'no_access' && access.resourceGroups.every((rg) => rg.role === 'no_access'));
}

/**
 * The access a member should end with: the desired org role and managed resource groups, plus
 * every resource group no rule manages, exactly as the Hub has it — because
 * `PUT …/members/{user}/role` replaces the whole list and silently drops what is not resent.
 */
export function rebuildAccess(current: Access, desired: Access, managed: ReadonlySet<string>): Access {
  const kept = current.resourceGroups.filter((rg) => !managed.has(rg.name.toLowerCase()));
  return { role: desired.role, resourceGroups: [...kept, ...desired.resourceGroups].sort(byName) };
}

/**
 * Direction of a change, for the guards: anything that lowers a role or takes a resource group
 * away counts as a removal.
 * @example effectOf({role: 'read', resourceGroups: []}, {role: 'write', resourceGroups: []}) === 'upgrade'
 */
export function effectOf(before: Access | null, after: Access | null): Effect {
  if (isNoAccess(before)) return 'grant';
  if (isNoAccess(after)) return 'revoke';
  let up = false;
  let down = false;
  const note = (delta: number) => {
    if (delta > 0) up = true;
    if (delta < 0) down = true;
  };
  note(compareRoles(after!.role, before!.role));
  const beforeRgs = new Map(before!.resourceGroups.map((rg) => [rg.id, rg.role]));
  const afterRgs = new Map(after!.resourceGroups.map((rg) => [rg.id, rg.role]));
  for (const id of new Set([...beforeRgs.keys(), ...afterRgs.keys()])) {
    note(compareRoles(afterRgs.get(id) ?? 'no_access', beforeRgs.get(id) ?? 'no_access'));
  }
  if (up && down) return 'mixed';
  return down ? 'downgrade' : 'upgrade';
}

/**
 * The gains of a change alone: each part (org role, each resource group) at the more privileged of
 * before and after — what a guard can let through while it holds the losses.
 * @example gainsOnly({role: 'read', resourceGroups: [llm: write]}, {role: 'admin', resourceGroups: []}) → {role: 'admin', resourceGroups:
 *   [llm: write]}
 */
export function gainsOnly(before: Access, after: Access): Access {
  const merged = new Map(before.resourceGroups.map((rg) => [rg.id, rg]));
  for (const rg of after.resourceGroups) {
    const had = merged.get(rg.id);
    merged.set(rg.id, had ? { ...rg, role: maxRole(had.role, rg.role) } : rg);
  }
  return { role: maxRole(before.role, after.role), resourceGroups: [...merged.values()].sort(byName) };
}

/** Effects the guards treat as removals or demotions. */
export function isDecrease(effect: Effect): boolean {
  return effect === 'revoke' || effect === 'downgrade' || effect === 'mixed';
}
