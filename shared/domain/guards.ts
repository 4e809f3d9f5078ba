import { isDecrease } from './access.js';
import type { BlockedChange, Change } from './plan.js';
import { userKey } from './roles.js';
import type { HubSnapshot, Policy } from './types.js';

/**
 * The safety rules, applied to candidate changes in this order:
 *
 *   protected-user  a protected member is never demoted or removed (upgrades are fine)
 *   last-admin      if the plan would leave no admin, every admin demotion is held back
 *   max-removals    if removals + demotions exceed the limit, all of them are held back;
 *                   adds and upgrades still go through
 *
 * A blocked change leaves `changes` and appears in `blocked` with its guard and a detail saying how
 * to proceed. A percentage limit needs the whole org as its base, so it is skipped for a scoped
 * (one-user) read; a count limit always applies.
 */
export function applyGuards(
  candidates: readonly Change[],
  hub: HubSnapshot,
  policy: Policy,
): { changes: Change[]; blocked: BlockedChange[] } {
  const blocked: BlockedChange[] = [];
  const protectedUsers = new Set(policy.protectedUsers.map(userKey));
  let changes = candidates.filter((change) => {
    if (!isDecrease(change.effect) || !protectedUsers.has(userKey(change.user))) return true;
    blocked.push({ change, guard: 'protected-user', detail: `${change.user} is in safety.protectedUsers and is never demoted or removed` });
    return false;
  });

  const admins = new Set([
    ...hub.members.filter((m) => m.role === 'admin').map((m) => userKey(m.user)),
    ...(hub.otherAdmins ?? []).map(userKey),
  ]);
  const losesAdmin = (c: Change) => c.before?.role === 'admin' && c.after?.role !== 'admin';
  if (admins.size > 0) {
    const after = new Set(admins);
    for (const c of changes) {
      if (losesAdmin(c)) after.delete(userKey(c.user));
      if (c.after?.role === 'admin') after.add(userKey(c.user));
    }
    if (after.size === 0) {
      changes = changes.filter((change) => {
        if (!losesAdmin(change)) return true;
        blocked.push({ change, guard: 'last-admin', detail: 'the organization would be left without an admin; map at least one admin in Okta first' });
        return false;
      });
    }
  }

  const limit = policy.maxRemovals.kind === 'count'
    ? policy.maxRemovals.value
    : hub.complete ? Math.floor((policy.maxRemovals.value / 100) * hub.members.length) : Number.POSITIVE_INFINITY;
  const decreases = changes.filter((c) => isDecrease(c.effect));
  if (decreases.length > limit) {
    const shown = policy.maxRemovals.kind === 'count' ? `${limit}` : `${policy.maxRemovals.value}% of ${hub.members.length} members = ${limit}`;
    const detail = `${decreases.length} removals or demotions exceed safety.maxRemovals (${shown}); check Okta, then raise the limit for one run if they are intended`;
    changes = changes.filter((change) => {
      if (!isDecrease(change.effect)) return true;
      blocked.push({ change, guard: 'max-removals', detail });
      return false;
    });
  }
  return { changes, blocked };
}
