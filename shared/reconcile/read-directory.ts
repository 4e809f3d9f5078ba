import { createHash, randomUUID } from 'node:crypto';
import type { OktaRead } from '../domain/plan.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../domain/types.js';
import type { Directory } from '../ports/directory.js';
import type { DirectorySnapshotHeader, DirectorySnapshots, NewSnapshotHeader, SnapshotDirectory } from '../ports/directory-snapshots.js';
import type { Config } from '../runtime/config.js';
import { describeError } from '../runtime/errors.js';

/**
 * An organization run's read of Okta: in full, or as a delta of the last complete read's snapshot.
 *
 * A delta reads the groups' list (which the run reads anyway: it carries each group's
 * `lastMembershipUpdated`), the members of only the groups whose membership moved, the users
 * updated since the snapshot (`filter=lastUpdated ge …`, deactivations named explicitly) and the
 * users deleted since (the System Log), and folds them into the snapshot. What it returns is what
 * a full read would have returned (a property test holds the two plans equal). A full read
 * happens when there is no snapshot, when the last full read is older than
 * `okta.fullReadAfterHours` (default a week: the weekly run stays full), when the rules changed,
 * and when asked (`--full`). Everything that protects removals is downstream and unchanged: each
 * loss is confirmed by a read of the person alone before it is written.
 *
 * Okta's clocks and ours differ, and a change can land while a read is under way: the delta asks
 * from `marginMs` (5 minutes) before the snapshot's read began, and re-reads every group whose
 * membership moved within that window, or whose member count Okta gives differs from the snapshot's.
 */

export interface DirectoryReadPorts {
  directory: Directory;
  state: DirectorySnapshots;
}

export interface DirectoryReadOptions {
  /** A full read whatever the snapshot (`--full`). */
  full?: boolean;
  now: () => Date;
  /** False: use the snapshot, write nothing (a dry run). Default true. */
  save?: boolean;
  /** How far before the snapshot's read the delta asks from (default 5 minutes). */
  marginMs?: number;
}

const DEFAULT_MARGIN_MS = 5 * 60_000;
/** A run within an hour of the full-read age counts as due, so a weekly schedule's run stays full whatever its start jitter. */
const AGE_SLACK_MS = 3_600_000;

/** What decides which groups and which attribute a read covers: when it changes, the snapshot is not reused. */
function rulesKeyOf(config: Config): string {
  const decides = {
    organization: config.policy.organization,
    rules: config.rules,
    naming: config.naming,
    attribute: config.file.okta.usernameAttribute,
  };
  return createHash('sha256').update(JSON.stringify(decides)).digest('hex');
}

export async function readDirectory(
  ports: DirectoryReadPorts,
  config: Config,
  mapped: readonly DirectoryGroup[],
  options: DirectoryReadOptions,
): Promise<{ directory: DirectorySnapshot; read: OktaRead }> {
  const started = options.now();
  const rulesKey = rulesKeyOf(config);
  const stored = await loadSnapshot(ports, config, options);
  const reason = typeof stored === 'string' ? stored : fullReadReason(stored.header, config, rulesKey, started);
  const how = { started, rulesKey, save: options.save !== false };
  if (typeof stored === 'string' || reason !== null) return readFull(ports, config, mapped, { ...how, reason: reason! });
  const delta = await readDelta(ports.directory, stored, mapped, started, options);
  if (delta === null) return readFull(ports, config, mapped, { ...how, reason: 'the snapshot named a member it holds no user for' });
  const snapshot =
    options.save === false
      ? 'not saved: a dry run writes nothing'
      : delta.different
        ? await save(ports, { ...stored.header, snapshotId: randomUUID(), readStartedAt: started.toISOString() }, delta.directory)
        : await advance(ports, stored.header, started);
  return {
    directory: delta.directory,
    read: {
      kind: 'delta',
      reason: `changes since the snapshot of ${stored.header.readStartedAt} (last full read ${stored.header.fullReadAt})`,
      groupsRead: delta.groupsRead,
      usersChanged: delta.usersChanged,
      usersDeleted: delta.usersDeleted,
      snapshot,
    },
  };
}

async function readFull(
  ports: DirectoryReadPorts,
  config: Config,
  mapped: readonly DirectoryGroup[],
  how: { started: Date; rulesKey: string; reason: string; save: boolean },
): Promise<{ directory: DirectorySnapshot; read: OktaRead }> {
  const directory = await ports.directory.readOrganization(mapped);
  const at = how.started.toISOString();
  const header = {
    organization: config.policy.organization,
    snapshotId: randomUUID(),
    rulesKey: how.rulesKey,
    readStartedAt: at,
    fullReadAt: at,
  };
  const snapshot = how.save ? await save(ports, header, directory) : 'not saved: a dry run writes nothing';
  return { directory, read: { kind: 'full', reason: how.reason, groupsRead: mapped.length, usersChanged: 0, usersDeleted: 0, snapshot } };
}

type Stored = { header: DirectorySnapshotHeader; directory: SnapshotDirectory };

/** The stored snapshot, or why there is none to use (the read is then full). */
async function loadSnapshot(ports: DirectoryReadPorts, config: Config, options: DirectoryReadOptions): Promise<Stored | string> {
  if (options.full) return 'a full read was asked for';
  if (config.file.okta.fullReadAfterHours === 0) return 'delta reads are off (okta.fullReadAfterHours: 0)';
  try {
    return (await ports.state.getDirectorySnapshot(config.policy.organization)) ?? 'no snapshot of an earlier read';
  } catch (error) {
    return `the snapshot could not be read (${describeError(error)})`;
  }
}

function fullReadReason(header: DirectorySnapshotHeader, config: Config, rulesKey: string, now: Date): string | null {
  if (header.rulesKey !== rulesKey) return 'the rules changed since the snapshot';
  if (Date.parse(header.readStartedAt) > now.getTime()) return `the snapshot is dated after now (${header.readStartedAt}): clocks disagree`;
  const hours = config.file.okta.fullReadAfterHours;
  const age = now.getTime() - Date.parse(header.fullReadAt);
  if (age >= hours * 3_600_000 - AGE_SLACK_MS) {
    return `the last full read was ${(age / 3_600_000).toFixed(1)} hours ago (okta.fullReadAfterHours: ${hours})`;
  }
  return null;
}

interface Delta {
  directory: DirectorySnapshot;
  /** Whether the result differs from the snapshot (else only its as-of moves on). */
  different: boolean;
  groupsRead: number;
  usersChanged: number;
  usersDeleted: number;
}

/** Null when the snapshot cannot be folded (a member without a user): the caller reads in full. */
async function readDelta(
  directory: Directory,
  stored: Stored,
  mapped: readonly DirectoryGroup[],
  started: Date,
  options: DirectoryReadOptions,
): Promise<Delta | null> {
  const before = stored.directory;
  const since = new Date(Date.parse(stored.header.readStartedAt) - (options.marginMs ?? DEFAULT_MARGIN_MS));
  const stale = mapped.filter((g) => membershipMoved(g, before, since));
  const [fresh, updated, deletedIds] = await Promise.all([
    stale.length > 0 ? directory.readGroupMembers(stale) : Promise.resolve({ members: {} as Record<string, string[]>, users: [] }),
    directory.readUsersUpdatedSince(since),
    directory.readDeletedUsersSince(since, new Date(Math.max(options.now().getTime(), started.getTime()) + 1)),
  ]);
  const deleted = new Set(deletedIds);
  const staleIds = new Set(stale.map((g) => g.id));
  const members: Record<string, string[]> = {};
  for (const g of mapped) {
    members[g.id] = staleIds.has(g.id) ? (fresh.members[g.id] ?? []) : (before.members[g.id] ?? []).filter((id) => !deleted.has(id));
  }
  const known = new Map(before.users.map((u) => [u.id, u]));
  const users = new Map(known);
  for (const u of [...fresh.users, ...updated]) users.set(u.id, u);
  for (const id of deleted) users.delete(id);
  const inGroups = new Set(Object.values(members).flat());
  if ([...inGroups].some((id) => !users.has(id))) return null;
  const kept = [...users.values()].filter((u) => inGroups.has(u.id) || u.hfUsername !== null);
  const usersChanged = kept.filter((u) => !sameUser(known.get(u.id), u)).length;
  const keptIds = new Set(kept.map((u) => u.id));
  const usersDeleted = before.users.filter((u) => !keptIds.has(u.id)).length;
  const result = { groups: [...mapped], members, users: kept };
  return {
    directory: result,
    different: differs(before, result, usersChanged + usersDeleted),
    groupsRead: stale.length,
    usersChanged,
    usersDeleted,
  };
}

/** Whether a group's members must be read again: new to the snapshot, moved, moved near the last read, or counted differently. */
function membershipMoved(group: DirectoryGroup, before: SnapshotDirectory, since: Date): boolean {
  const previous = before.groups.find((g) => g.id === group.id);
  if (!previous || !group.membershipUpdated || previous.membershipUpdated !== group.membershipUpdated) return true;
  if (Date.parse(group.membershipUpdated) >= since.getTime()) return true;
  return group.usersCount !== undefined && group.usersCount !== (before.members[group.id]?.length ?? 0);
}

function sameUser(a: DirectoryUser | undefined, b: DirectoryUser): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function differs(before: SnapshotDirectory, after: DirectorySnapshot, usersMoved: number): boolean {
  if (usersMoved > 0 || before.users.length !== after.users.length || before.groups.length !== after.groups.length) return true;
  const groupKey = (g: DirectoryGroup) => JSON.stringify([g.id, g.name, g.usersCount ?? null, g.membershipUpdated ?? null]);
  const previous = new Set(before.groups.map(groupKey));
  if (after.groups.some((g) => !previous.has(groupKey(g)))) return true;
  return after.groups.some((g) => (before.members[g.id] ?? []).join() !== (after.members[g.id] ?? []).join());
}

async function save(ports: DirectoryReadPorts, header: NewSnapshotHeader, directory: SnapshotDirectory): Promise<string> {
  try {
    return (await ports.state.putDirectorySnapshot(header, directory)) ? 'saved' : 'not saved: a newer snapshot is stored';
  } catch (error) {
    return `not saved: ${describeError(error)}`;
  }
}

async function advance(ports: DirectoryReadPorts, header: DirectorySnapshotHeader, started: Date): Promise<string> {
  try {
    const moved = await ports.state.advanceDirectorySnapshot(header.organization, header.snapshotId, started.toISOString());
    return moved ? 'advanced' : 'not advanced: another run replaced it';
  } catch (error) {
    return `not advanced: ${describeError(error)}`;
  }
}
