import { sameAccess } from './access.js';
import type { Access, Change } from './plan.js';
import type { HubMember } from './types.js';

/**
 * Whether a planned change still applies to the member as the Hub shows them now — the one
 * stale-plan rule, for stored plans' batches, reviewed (saved) plans and person runs:
 *
 *   `unchanged`  the member is as the plan saw them (`before`): write the change
 *   `already`    the Hub already shows what the change would write (an earlier attempt, or someone, did it)
 *   `moved`      the member changed since the plan: never overwritten with the old decision
 *
 * Changes that are not a member's access (a token, a credential) are always `unchanged`.
 */
export type Validity = { kind: 'unchanged' } | { kind: 'already' | 'moved'; reason: string };

function describeAccess(a: Access | null): string {
  return a === null
    ? 'not a member'
    : `${a.role}${a.resourceGroups.length ? ` with ${a.resourceGroups.map((rg) => `${rg.name ?? rg.id}:${rg.role}`).join(', ')}` : ''}`;
}

const UNCHANGED: Validity = { kind: 'unchanged' };

const moved = (change: Change, now: Access | null): Validity => ({
  kind: 'moved',
  reason: `${change.user} changed since the plan was made: planned from ${describeAccess(change.before)}, the Hub now shows ${describeAccess(now)}`,
});

export function stillValid(change: Change, member: HubMember | null): Validity {
  const now: Access | null = member ? { role: member.role, resourceGroups: member.resourceGroups } : null;
  switch (change.action) {
    case 'set-role':
    case 'remove': {
      if (change.after && now && sameAccess(now, change.after))
        return {
          kind: 'already',
          reason:
            'the Hub already showed the planned access when the run came to it (an earlier attempt wrote it, or someone did the same)',
        };
      if (change.action === 'remove' && !now)
        return { kind: 'already', reason: 'no longer a member of the organization when the run came to it' };
      return change.before && now && sameAccess(now, change.before) ? UNCHANGED : moved(change, now);
    }
    case 'scim-invite':
      return now ? { kind: 'already', reason: 'already a member when the run came to it' } : UNCHANGED;
    case 'scim-deactivate':
    case 'scim-delete':
      if (!now) return { kind: 'already', reason: 'no longer a member of the organization when the run came to it' };
      return change.before && sameAccess(now, change.before) ? UNCHANGED : moved(change, now);
    default:
      return UNCHANGED;
  }
}
