/**
 * Okta System Log events, as far as the sync cares: which people or groups to look at again.
 * An event never says what someone's access should be — events arrive late, twice and out of
 * order — so the result is only a list of whom to re-read from Okta.
 */

const USER_EVENT_TYPES = [
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.delete.initiated',
  'user.lifecycle.activate',
  'user.lifecycle.reactivate',
  'user.lifecycle.unsuspend',
  'user.account.update_profile',
  'group.user_membership.add',
  'group.user_membership.remove',
] as const;
const GROUP_EVENT_TYPES = ['group.lifecycle.create', 'group.lifecycle.delete', 'group.profile.update'] as const;
/** Every event type the sync acts on: the one list (the stack's rule on Okta's partner bus is checked against it both ways). */
export const OKTA_EVENT_TYPES: readonly string[] = [...USER_EVENT_TYPES, ...GROUP_EVENT_TYPES];
const HANDLED_EVENT_TYPES = OKTA_EVENT_TYPES;

export interface OktaEventRef {
  uuid: string;
  eventType: string;
  published: string;
  actor: string;
  users: Array<{ id: string; login: string | null }>;
  groups: Array<{ id: string; name: string | null }>;
}

export type ParsedEvent =
  | { kind: 'relevant'; event: OktaEventRef }
  | { kind: 'ignored'; uuid: string; reason: string }
  | { kind: 'malformed'; uuid: string | null; reason: string };

interface RawTarget {
  type?: unknown;
  id?: unknown;
  alternateId?: unknown;
  displayName?: unknown;
}

/** An Okta user id: `00u` and 17 letters or digits (20 characters). */
export const OKTA_USER_ID = /^00u[A-Za-z0-9]{17}$/;

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Reads one LogEvent. Targets are found by `type` (`User`, `UserGroup`), never by position.
 * @example parseLogEvent({uuid: 'u1', eventType: 'user.lifecycle.deactivate', outcome: {result: 'SUCCESS'}, target: [{type: 'User', id:
 *   '00u1'}], published: '…'})
 */
export function parseLogEvent(raw: unknown): ParsedEvent {
  if (!raw || typeof raw !== 'object') return { kind: 'malformed', uuid: null, reason: 'the event is not a JSON object' };
  const e = raw as Record<string, unknown>;
  const uuid = text(e.uuid);
  if (!uuid) return { kind: 'malformed', uuid: null, reason: 'the event has no uuid' };
  const eventType = text(e.eventType);
  if (!eventType) return { kind: 'malformed', uuid, reason: 'the event has no eventType' };
  if (!HANDLED_EVENT_TYPES.includes(eventType)) return { kind: 'ignored', uuid, reason: `event type ${eventType} does not affect access` };
  const result = (e.outcome as { result?: unknown } | undefined)?.result;
  if (result !== 'SUCCESS') return { kind: 'ignored', uuid, reason: `outcome is ${String(result ?? 'missing')}, not SUCCESS` };
  if (!Array.isArray(e.target)) return { kind: 'malformed', uuid, reason: 'the event has no target array' };
  const targets = e.target as RawTarget[];
  const users = targets.filter((t) => t?.type === 'User' && text(t.id)).map((t) => ({ id: t.id as string, login: text(t.alternateId) }));
  const groups = targets
    .filter((t) => t?.type === 'UserGroup' && text(t.id))
    .map((t) => ({ id: t.id as string, name: text(t.displayName) }));
  const isUserEvent = (USER_EVENT_TYPES as readonly string[]).includes(eventType);
  if (isUserEvent && users.length === 0) return { kind: 'malformed', uuid, reason: `${eventType} has no target of type User` };
  // An id in another form would be looked up as a Hub username: refuse it, never guess.
  const foreign = isUserEvent ? users.find((u) => !OKTA_USER_ID.test(u.id)) : undefined;
  if (foreign) {
    return {
      kind: 'malformed',
      uuid,
      reason: `${eventType}: target User id "${foreign.id.slice(0, 40)}" is not an Okta user id (00u followed by 17 letters or digits); check what sends these events`,
    };
  }
  if (!isUserEvent && groups.length === 0) return { kind: 'malformed', uuid, reason: `${eventType} has no target of type UserGroup` };
  const actor = (e.actor as { alternateId?: unknown } | undefined)?.alternateId;
  return {
    kind: 'relevant',
    event: {
      uuid,
      eventType,
      published: text(e.published) ?? '',
      actor: text(actor) ?? 'okta',
      users: isUserEvent ? users : [],
      groups: isUserEvent ? [] : groups,
    },
  };
}

/**
 * Coalesces events into work: each person once, however many events name them; group-level events
 * once per group.
 */
export function coalesce(events: readonly OktaEventRef[]): { users: Map<string, OktaEventRef[]>; groups: Map<string, OktaEventRef[]> } {
  const users = new Map<string, OktaEventRef[]>();
  const groups = new Map<string, OktaEventRef[]>();
  const add = (map: Map<string, OktaEventRef[]>, key: string, e: OktaEventRef) => {
    const list = map.get(key);
    if (list) list.push(e);
    else map.set(key, [e]);
  };
  for (const e of events) {
    for (const u of e.users) add(users, u.id, e);
    for (const g of e.groups) add(groups, g.id, e);
  }
  return { users, groups };
}
