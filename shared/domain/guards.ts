import { effectOf, gainsOnly, isDecrease } from './access.js';
import type { BlockedChange, Change, Guard } from './plan.js';
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
 * to proceed. A *mixed* change (say, an upgrade to admin that also drops a resource group) is split:
 * its gains go ahead as an upgrade, and only its losses are held, as a downgrade from there — so a
 * safe gain never waits behind a removal guard. A percentage limit needs the whole org as its base,
 * so it is skipped for a scoped (one-user) read; a count limit always applies.
 */
/** Holds `change` back (into `blocked`); what may still go ahead in its place (the gains of a mixed change), if anything. */
function holdBack(blocked: BlockedChange[], change: Change, guard: Guard, detail: string): Change[] {
  if (change.effect !== 'mixed' || !change.before || !change.after) {
    blocked.push({ change, guard, detail });
    return [];
  }
  const gained = gainsOnly(change.before, change.after);
  const note = `split by the ${guard} guard: the gains go ahead, the losses are held`;
  blocked.push({
    change: {
      ...change,
      id: `${change.id}#losses`,
      before: gained,
      effect: effectOf(gained, change.after),
      reasons: [...change.reasons, note],
    },
    guard,
    detail,
  });
  return [{ ...change, after: gained, effect: 'upgrade', reasons: [...change.reasons, note] }];
}

export function applyGuards(
  candidates: readonly Change[],
  hub: HubSnapshot,
  policy: Policy,
): { changes: Change[]; blocked: BlockedChange[] } {
  const blocked: BlockedChange[] = [];
  const hold = (change: Change, guard: Guard, detail: string): Change[] => holdBack(blocked, change, guard, detail);
  const protectedUsers = new Set(policy.protectedUsers.map(userKey));
  let changes = candidates.flatMap((change) => {
    if (!isDecrease(change.effect) || !protectedUsers.has(userKey(change.user))) return [change];
    return hold(change, 'protected-user', `${change.user} is in safety.protectedUsers and is never demoted or removed`);
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
      changes = changes.flatMap((change) =>
        losesAdmin(change)
          ? hold(change, 'last-admin', 'the organization would be left without an admin; map at least one admin in Okta first')
          : [change],
      );
    }
  }

  const limit =
    policy.maxRemovals.kind === 'count'
      ? policy.maxRemovals.value
      : hub.complete
        ? Math.floor((policy.maxRemovals.value / 100) * hub.members.length)
        : Number.POSITIVE_INFINITY;
  const decreases = changes.filter((c) => isDecrease(c.effect));
  if (decreases.length > limit) {
    const shown =
      policy.maxRemovals.kind === 'count' ? `${limit}` : `${policy.maxRemovals.value}% of ${hub.members.length} members = ${limit}`;
    const detail = `${decreases.length} removals or demotions exceed safety.maxRemovals (${shown}); check Okta, then raise the limit for one run if they are intended`;
    changes = changes.flatMap((change) => (isDecrease(change.effect) ? hold(change, 'max-removals', detail) : [change]));
  }
  return { changes, blocked };
}
