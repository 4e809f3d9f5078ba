import type { Directory } from '../../shared/ports/directory.js';
import { isOktaUserRef } from '../../shared/ports/directory.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser, OktaStatus } from '../../shared/domain/types.js';

/**
 * `Directory` in memory, for unit tests of the use cases: people, groups and memberships a test
 * changes through its methods, read with the adapter's answers (whole lists or an error, never a
 * short list). Changes move Okta's timestamps as Okta does — a user's `lastUpdated` on a profile or
 * status change, a group's `lastMembershipUpdated` on a join or a leave — on the clock it is given
 * (changes can share a millisecond, as in Okta), and a deletion is logged. `failNext` makes the next call of one method
 * throw, as an Okta outage would.
 */
export class InMemoryDirectory implements Directory {
  readonly users = new Map<string, DirectoryUser>();
  readonly groups = new Map<string, DirectoryGroup>();
  readonly members = new Map<string, Set<string>>();
  readonly log: unknown[] = [];
  readonly calls: string[] = [];
  readonly #failures = new Map<keyof Directory, Error>();
  /** user id → Okta's `lastUpdated` (epoch ms). */
  readonly #updated = new Map<string, number>();
  readonly #deleted: Array<{ id: string; at: number }> = [];
  #made = 0;
  #madeGroups = 0;

  constructor(readonly clock: () => number = Date.now) {}

  #stamp(): number {
    return this.clock();
  }

  #moved(groupId: string): void {
    this.groups.set(groupId, { ...this.groups.get(groupId)!, membershipUpdated: new Date(this.#stamp()).toISOString() });
  }

  /** Adds a person (ACTIVE unless told) with a Hub username, in the named groups (made when missing). */
  person(hfUsername: string | null, groups: readonly string[] = [], extra: Partial<DirectoryUser> = {}): DirectoryUser {
    // Okta never gives an id twice, even after a deletion.
    const n = this.#made++;
    const login = extra.login ?? `${hfUsername ?? `user${n}`}@acme.example`;
    const user: DirectoryUser = {
      id: `00u${String(n).padStart(17, '0')}`,
      login,
      email: login,
      status: 'ACTIVE',
      hfUsername,
      displayName: hfUsername ?? `user${n}`,
      ...extra,
    };
    this.users.set(user.id, user);
    this.#updated.set(user.id, this.#stamp());
    for (const name of groups) this.join(user.id, name);
    return user;
  }

  /** Adds a user to a group, by id or by name (a group of that name is made when missing). */
  join(userId: string, groupName: string): void {
    const group = this.groups.get(groupName) ?? this.group(groupName);
    const members = this.members.get(group.id)!;
    if (members.has(userId)) return;
    members.add(userId);
    this.#moved(group.id);
  }

  leave(userId: string, groupName: string): void {
    const group = this.groups.get(groupName) ?? this.group(groupName);
    if (this.members.get(group.id)!.delete(userId)) this.#moved(group.id);
  }

  /** A profile change (login, email, names, the username attribute): `lastUpdated` moves. */
  update(userId: string, patch: Partial<Omit<DirectoryUser, 'id' | 'status'>>): void {
    this.users.set(userId, { ...this.users.get(userId)!, ...patch });
    this.#updated.set(userId, this.#stamp());
  }

  renameGroup(groupId: string, name: string): void {
    this.groups.set(groupId, { ...this.groups.get(groupId)!, name });
  }

  deleteGroup(groupId: string): void {
    this.groups.delete(groupId);
    this.members.delete(groupId);
  }

  /** As Okta: deactivated first when still active, then deleted — out of every group, and logged. */
  deleteUser(userId: string): void {
    if (this.users.get(userId)!.status !== 'DEPROVISIONED') this.setStatus(userId, 'DEPROVISIONED');
    this.users.delete(userId);
    this.#updated.delete(userId);
    for (const [groupId, members] of this.members) if (members.delete(userId)) this.#moved(groupId);
    this.#deleted.push({ id: userId, at: this.#stamp() });
  }

  group(name: string): DirectoryGroup {
    const found = [...this.groups.values()].find((g) => g.name.toLowerCase() === name.toLowerCase());
    if (found) return found;
    const group = {
      id: `00g${String(this.#madeGroups++).padStart(17, '0')}`,
      name,
      membershipUpdated: new Date(this.#stamp()).toISOString(),
    };
    this.groups.set(group.id, group);
    this.members.set(group.id, new Set());
    return group;
  }

  setStatus(userId: string, status: OktaStatus): void {
    this.users.set(userId, { ...this.users.get(userId)!, status });
    this.#updated.set(userId, this.#stamp());
  }

  failNext(method: keyof Directory, error: Error): void {
    this.#failures.set(method, error);
  }

  #call(method: keyof Directory): void {
    this.calls.push(method);
    const failure = this.#failures.get(method);
    if (failure) {
      this.#failures.delete(method);
      throw failure;
    }
  }

  async findGroups(query: { names: readonly string[]; prefix: string | null }): Promise<DirectoryGroup[]> {
    this.#call('findGroups');
    const names = new Set(query.names.map((n) => n.toLowerCase()));
    return [...this.groups.values()].filter(
      (g) => names.has(g.name.toLowerCase()) || (query.prefix !== null && g.name.toLowerCase().startsWith(query.prefix.toLowerCase())),
    );
  }

  async readOrganization(groups: readonly DirectoryGroup[]): Promise<DirectorySnapshot> {
    this.#call('readOrganization');
    return {
      groups: [...groups],
      ...this.#membersOf(
        groups,
        [...this.users.values()].filter((u) => u.hfUsername),
      ),
    };
  }

  async readGroupMembers(groups: readonly DirectoryGroup[]): Promise<Pick<DirectorySnapshot, 'members' | 'users'>> {
    this.#call('readGroupMembers');
    return this.#membersOf(groups, []);
  }

  /** The groups' members by group, and their users with `also` (copies, as a read returns). */
  #membersOf(groups: readonly DirectoryGroup[], also: readonly DirectoryUser[]): Pick<DirectorySnapshot, 'members' | 'users'> {
    const members = Object.fromEntries(groups.map((g) => [g.id, [...(this.members.get(g.id) ?? [])]]));
    const ids = new Set([...Object.values(members).flat(), ...also.map((u) => u.id)]);
    return { members, users: [...ids].map((id) => structuredClone(this.users.get(id)!)) };
  }

  async readUsersUpdatedSince(since: Date): Promise<DirectoryUser[]> {
    this.#call('readUsersUpdatedSince');
    return [...this.#updated].filter(([, at]) => at >= since.getTime()).map(([id]) => structuredClone(this.users.get(id)!));
  }

  async readDeletedUsersSince(since: Date, until: Date): Promise<string[]> {
    this.#call('readDeletedUsersSince');
    return this.#deleted.filter((d) => d.at >= since.getTime() && d.at < until.getTime()).map((d) => d.id);
  }

  async findUsers(ref: string): Promise<DirectoryUser[]> {
    this.#call('findUsers');
    const all = [...this.users.values()];
    const found = isOktaUserRef(ref)
      ? all.filter((u) => u.id === ref || u.login.toLowerCase() === ref.toLowerCase())
      : all.filter((u) => u.hfUsername?.toLowerCase() === ref.toLowerCase());
    return found.map((u) => structuredClone(u));
  }

  async readLogPage(cursor: string | null): Promise<{ events: unknown[]; next: string | null }> {
    this.#call('readLogPage');
    const from = cursor ? Number(cursor) : 0;
    return { events: this.log.slice(from), next: String(this.log.length) };
  }

  async probeScopes(): Promise<Record<'okta.users.read' | 'okta.groups.read' | 'okta.logs.read', 'ok' | 'denied'>> {
    this.#call('probeScopes');
    return { 'okta.users.read': 'ok', 'okta.groups.read': 'ok', 'okta.logs.read': 'ok' };
  }

  async groupsOf(userId: string): Promise<DirectoryGroup[]> {
    this.#call('groupsOf');
    return [...this.members].filter(([, ids]) => ids.has(userId)).map(([id]) => structuredClone(this.groups.get(id)!));
  }
}
