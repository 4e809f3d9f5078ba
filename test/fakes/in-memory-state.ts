import type { Change } from '../../shared/domain/plan.js';
import type { IssuedToken, ManagedMember } from '../../shared/domain/types.js';
import type { CredentialState, CredentialVersion } from '../../shared/domain/credentials.js';
import type { CredentialStore, RotationEventRecord } from '../../shared/ports/credential-store.js';
import type { AuditQuery, AuditTrail, ChangeRecord, RunRecord } from '../../shared/ports/audit-trail.js';
import type { Cursors } from '../../shared/ports/cursors.js';
import type { EventClaims, Outbox, OutboxEntry } from '../../shared/ports/event-claims.js';
import type { IssuedTokens } from '../../shared/ports/issued-tokens.js';
import type { Leases, MemberHoldAnswer, MemberHolds } from '../../shared/ports/leases.js';
import type { ManagedMembers } from '../../shared/ports/managed-members.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import type { StoredPlan, StoredPlans } from '../../shared/ports/stored-plans.js';
import type {
  DirectorySnapshotHeader,
  DirectorySnapshots,
  NewSnapshotHeader,
  SnapshotDirectory,
} from '../../shared/ports/directory-snapshots.js';
import { decodeSnapshot, encodeSnapshot } from '../../shared/adapters/dynamodb/directory-snapshots.js';
import { joinRoles } from '../../shared/runtime/join-roles.js';
import { credentialStateOf, suspensionOf } from '../../shared/adapters/dynamodb/credential-store.js';
import { runItem } from '../../shared/adapters/dynamodb/audit-trail.js';
import { outboxItem } from '../../shared/adapters/dynamodb/event-claims.js';
import { issuedTokenOf } from '../../shared/adapters/dynamodb/issued-tokens.js';
import { managedOf, memberItems } from '../../shared/adapters/dynamodb/managed-members.js';
import { changeItem, pad, unkeyed } from '../../shared/adapters/dynamodb/table-ops.js';
import { ConflictError, LeaseHeldError, LeaseLostError } from '../../shared/runtime/errors.js';

/**
 * `StateStore` and `CredentialStore` in memory, for unit tests of the use cases: one table of items
 * keyed as the DynamoDB adapters key them (their `changeItem`, `pad` and `unkeyed`; the two stores
 * share a credential's suspension, as they do in the table), with the same conditions — leases, member holds, claims, checkpoints —
 * and the same orderings. Held to the same contract test as the DynamoDB adapters on dynalite and
 * DynamoDB Local (test/integration/state-store-contract.test.ts).
 */

type Item = Record<string, unknown>;
const epochOf = (d: Date) => Math.floor(d.getTime() / 1000);

/** Items by partition key, then sort key; every read and write copies, as a table does. */
export class InMemoryTable {
  readonly partitions = new Map<string, Map<string, Item>>();

  get(pk: string, sk: string): Item | undefined {
    const item = this.partitions.get(pk)?.get(sk);
    return item ? structuredClone(item) : undefined;
  }

  put(item: Item): void {
    const pk = String(item.pk);
    const partition = this.partitions.get(pk) ?? new Map<string, Item>();
    partition.set(String(item.sk), structuredClone(item));
    this.partitions.set(pk, partition);
  }

  delete(pk: string, sk: string): Item | undefined {
    const partition = this.partitions.get(pk);
    const item = partition?.get(sk);
    partition?.delete(sk);
    if (partition?.size === 0) this.partitions.delete(pk);
    return item;
  }

  /** A partition's items in sort-key order (`prefix`, or `from`..`to` inclusive). */
  query(pk: string, range: { prefix?: string; from?: string; to?: string } = {}): Item[] {
    return [...(this.partitions.get(pk) ?? new Map<string, Item>())]
      .filter(
        ([sk]) =>
          (range.prefix === undefined || sk.startsWith(range.prefix)) &&
          (range.from === undefined || sk >= range.from) &&
          (range.to === undefined || sk <= range.to),
      )
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, item]) => structuredClone(item));
  }

  /** An index's items (`gsi1`, `gsi2`) under one key, in sort-key order. */
  index(name: 'gsi1' | 'gsi2', pk: string): Item[] {
    const all = [...this.partitions.values()].flatMap((p) => [...p.values()]).filter((i) => i[`${name}pk`] === pk);
    return all.sort((a, b) => String(a[`${name}sk`]).localeCompare(String(b[`${name}sk`]))).map((i) => structuredClone(i));
  }
}

/** The lease primitives of TableOps, on the in-memory table. */
class LeasePrimitives {
  constructor(readonly table: InMemoryTable) {}

  acquire(key: { pk: string; sk: string }, what: string, owner: string, ttlMs: number, now: Date): void {
    const held = this.table.get(key.pk, key.sk);
    if (held && !(Number(held.expiresAtEpoch) < epochOf(now))) throw new LeaseHeldError(what, String(held.owner), String(held.expiresAt));
    const expires = new Date(now.getTime() + ttlMs);
    this.table.put({ ...key, owner, expiresAt: expires.toISOString(), expiresAtEpoch: epochOf(expires) });
  }

  renew(key: { pk: string; sk: string }, what: string, owner: string, ttlMs: number, now: Date): void {
    const held = this.table.get(key.pk, key.sk);
    if (!held || held.owner !== owner) throw new LeaseLostError(what);
    const expires = new Date(now.getTime() + ttlMs);
    this.table.put({ ...held, expiresAt: expires.toISOString(), expiresAtEpoch: epochOf(expires) });
  }

  release(key: { pk: string; sk: string }, owner: string): void {
    if (this.table.get(key.pk, key.sk)?.owner === owner) this.table.delete(key.pk, key.sk);
  }

  break(key: { pk: string; sk: string }, what: string, owner: string): { expiresAt: string } {
    const held = this.table.get(key.pk, key.sk);
    if (held?.owner === owner) {
      this.table.delete(key.pk, key.sk);
      return { expiresAt: String(held.expiresAt ?? 'unknown') };
    }
    throw new ConflictError(
      held
        ? `The ${what} is held by run ${String(held.owner)} (until ${String(held.expiresAt)}), not by ${owner}; name the run that holds it.`
        : `Nobody holds the ${what}; there is nothing to unlock.`,
    );
  }
}

class InMemoryLeases implements Leases, MemberHolds {
  readonly #leases: LeasePrimitives;

  constructor(readonly table: InMemoryTable) {
    this.#leases = new LeasePrimitives(table);
  }

  async acquireLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    this.#leases.acquire({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner, ttlMs, now);
  }

  async renewLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    this.#leases.renew({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner, ttlMs, now);
  }

  async breakLease(organization: string, owner: string): Promise<{ expiresAt: string }> {
    return this.#leases.break({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner);
  }

  async breakCredentialLease(credential: string, owner: string): Promise<{ expiresAt: string }> {
    return this.#leases.break({ pk: `CRED#${credential}`, sk: 'LEASE' }, `rotation lease for credential "${credential}"`, owner);
  }

  async releaseLease(organization: string, owner: string): Promise<void> {
    this.#leases.release({ pk: `LOCK#${organization}`, sk: 'LOCK' }, owner);
  }

  async holdMember(
    organization: string,
    user: string,
    owner: string,
    ttlMs: number,
    now: Date,
    readAtMs: number,
  ): Promise<MemberHoldAnswer> {
    const key = { pk: `HOLD#${organization}#${user.toLowerCase()}`, sk: 'HOLD' };
    const item = this.table.get(key.pk, key.sk);
    const free = item?.owner === undefined || item.owner === owner || Number(item.expiresAtEpoch) < epochOf(now);
    const fresh = item?.readAtMs === undefined || Number(item.readAtMs) <= readAtMs;
    if (free && fresh) {
      const expires = new Date(now.getTime() + ttlMs);
      this.table.put({
        ...(item ?? key),
        owner,
        expiresAt: expires.toISOString(),
        expiresAtEpoch: epochOf(expires),
        readAtMs,
        decidedBy: owner,
      });
      return 'held';
    }
    const live = item?.owner !== undefined && Number(item.expiresAtEpoch) >= epochOf(now);
    if (live) return { heldBy: String(item!.owner), until: String(item!.expiresAt) };
    return { decidedAtMs: Number(item?.readAtMs ?? 0), by: String(item?.decidedBy ?? 'unknown') };
  }

  async renewMemberHold(organization: string, user: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    this.#leases.renew({ pk: `HOLD#${organization}#${user.toLowerCase()}`, sk: 'HOLD' }, `hold on member ${user}`, owner, ttlMs, now);
  }

  async releaseMemberHold(organization: string, user: string, owner: string): Promise<void> {
    const key = { pk: `HOLD#${organization}#${user.toLowerCase()}`, sk: 'HOLD' };
    const item = this.table.get(key.pk, key.sk);
    if (item?.owner !== owner) return;
    const { owner: _o, expiresAt: _e, expiresAtEpoch: _x, ...kept } = item;
    this.table.put(kept);
  }
}

class InMemoryManagedMembers implements ManagedMembers {
  constructor(readonly table: InMemoryTable) {}

  async listManaged(organization: string): Promise<ManagedMember[]> {
    return this.table.query(`ORG#${organization}`, { prefix: 'MEMBER#' }).map(managedOf);
  }

  async getManaged(organization: string, user: string): Promise<ManagedMember | null> {
    const item = this.table.get(`ORG#${organization}`, `MEMBER#${user.toLowerCase()}`);
    return item ? managedOf(item) : null;
  }

  async saveManaged(organization: string, members: readonly ManagedMember[]): Promise<void> {
    for (const member of members) for (const item of memberItems(organization, member)) this.table.put(item);
  }

  async findLinkedMembers(organization: string, oktaUserId: string): Promise<string[]> {
    return this.table.query(`OKTA#${oktaUserId}`, { prefix: `LINK#${organization}#` }).map((i) => String(i.user));
  }

  async getScimManagedResourceGroups(organization: string): Promise<string[] | null> {
    const item = this.table.get(`ORG#${organization}`, 'SCIMGROUPS');
    return Array.isArray(item?.ids) ? (item.ids as string[]) : null;
  }

  async putScimManagedResourceGroups(organization: string, ids: readonly string[], now: Date): Promise<void> {
    this.table.put({ pk: `ORG#${organization}`, sk: 'SCIMGROUPS', ids: [...ids], updatedAt: now.toISOString() });
  }
}

class InMemoryAuditTrail implements AuditTrail {
  constructor(readonly table: InMemoryTable) {}

  async putRun(run: RunRecord): Promise<void> {
    this.table.put(runItem(run));
  }

  async putChange(change: ChangeRecord, also: { outbox?: readonly OutboxEntry[]; run?: RunRecord } = {}): Promise<void> {
    this.table.put(changeItem(change));
    for (const entry of also.outbox ?? []) this.table.put(outboxItem(entry));
    if (also.run) this.table.put(runItem(also.run));
  }

  async putChangeAndMember(change: ChangeRecord, member: ManagedMember): Promise<void> {
    for (const item of [changeItem(change), ...memberItems(change.organization, member)]) this.table.put(item);
  }

  async finishRun(
    run: RunRecord,
    outbox: { put: readonly OutboxEntry[]; drop: readonly string[] },
    applied: ReadonlyArray<{ change: ChangeRecord; member: ManagedMember }> = [],
  ): Promise<void> {
    for (const { change, member } of applied)
      for (const item of [changeItem(change), ...memberItems(change.organization, member)]) this.table.put(item);
    this.table.put(runItem(run));
    for (const entry of outbox.put) this.table.put(outboxItem(entry));
    for (const id of outbox.drop) this.table.delete(`OUTBOX#${run.organization}`, id);
  }

  async listChanges(query: AuditQuery): Promise<ChangeRecord[]> {
    const byUser = query.user !== undefined;
    const items = byUser
      ? this.table.index('gsi2', `ORG#${query.organization}#USER#${query.user!.toLowerCase()}`)
      : this.table.index('gsi1', `ORG#${query.organization}#CHANGE`);
    const sk = byUser ? 'gsi2sk' : 'gsi1sk';
    return items
      .filter((i) => (!query.since || String(i[sk]) >= query.since) && (!query.until || String(i[sk]) < query.until))
      .filter((i) => (!query.trigger || i.trigger === query.trigger) && (!query.outcome || i.outcome === query.outcome))
      .reverse()
      .slice(0, query.limit)
      .map((i) => unkeyed<ChangeRecord>(i));
  }

  async getChange(runId: string, seq: number): Promise<ChangeRecord | null> {
    const item = this.table.get(`RUN#${runId}`, `CHANGE#${pad(seq)}`);
    return item ? unkeyed<ChangeRecord>(item) : null;
  }

  async listRunChanges(runId: string, fromSeq: number, toSeq: number): Promise<ChangeRecord[]> {
    return this.table
      .query(`RUN#${runId}`, { from: `CHANGE#${pad(fromSeq)}`, to: `CHANGE#${pad(toSeq)}` })
      .map((i) => unkeyed<ChangeRecord>(i));
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const item = this.table.get(`RUN#${runId}`, 'META');
    return item ? unkeyed<RunRecord>(item) : null;
  }

  async lastFinishedRun(organization: string): Promise<RunRecord | null> {
    const finished = this.table.index('gsi1', `ORG#${organization}#RUN`).filter((i) => i.finishedAt !== undefined);
    const last = finished.at(-1);
    return last ? unkeyed<RunRecord>(last) : null;
  }
}

class InMemoryEventClaims implements EventClaims, Outbox {
  constructor(readonly table: InMemoryTable) {}

  async claimEvent(uuid: string, source: string, now: Date, until: Date): Promise<'claimed' | 'done' | 'in-progress'> {
    const held = this.table.get(`EVENT#${uuid}`, 'EVENT');
    if (held && !(held.status === 'in-progress' && Number(held.claimedUntilMs) < now.getTime()))
      return held.status === 'done' ? 'done' : 'in-progress';
    this.table.put({
      pk: `EVENT#${uuid}`,
      sk: 'EVENT',
      status: 'in-progress',
      source,
      claimedAt: now.toISOString(),
      claimedUntil: until.toISOString(),
      claimedUntilMs: until.getTime(),
    });
    return 'claimed';
  }

  async finishEvents(done: readonly string[], released: readonly string[], now: Date): Promise<void> {
    for (const uuid of done) this.table.put({ pk: `EVENT#${uuid}`, sk: 'EVENT', status: 'done', completedAt: now.toISOString() });
    for (const uuid of released) this.table.delete(`EVENT#${uuid}`, 'EVENT');
  }

  async putOutbox(entry: OutboxEntry): Promise<void> {
    this.table.put(outboxItem(entry));
  }

  async listOutbox(organization: string, user?: string): Promise<OutboxEntry[]> {
    return this.table
      .query(`OUTBOX#${organization}`, user === undefined ? {} : { prefix: `${user.toLowerCase()}#` })
      .slice(0, 1000)
      .map(({ publishingUntilMs, ttl: _ttl, ...item }) => ({
        ...unkeyed<OutboxEntry>(item),
        ...(typeof publishingUntilMs === 'number' ? { publishingUntil: new Date(publishingUntilMs).toISOString() } : {}),
      }));
  }

  async claimOutbox(organization: string, id: string, until: Date, now: Date): Promise<boolean> {
    const item = this.table.get(`OUTBOX#${organization}`, id);
    if (!item || (typeof item.publishingUntilMs === 'number' && !(item.publishingUntilMs < now.getTime()))) return false;
    this.table.put({ ...item, publishingUntilMs: until.getTime() });
    return true;
  }

  async deleteOutbox(organization: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.table.delete(`OUTBOX#${organization}`, id);
  }
}

class InMemoryStoredPlans implements StoredPlans {
  constructor(readonly table: InMemoryTable) {}

  async putStoredPlan(plan: StoredPlan, chunks: readonly Change[][]): Promise<void> {
    chunks.forEach((changes, index) =>
      this.table.put({ pk: `RUN#${plan.runId}`, sk: `PLAN#${pad(index)}`, changes: JSON.stringify(changes) }),
    );
    this.table.put({ pk: `RUN#${plan.runId}`, sk: 'PLAN', ...plan });
  }

  async getStoredPlan(runId: string): Promise<StoredPlan | null> {
    const item = this.table.get(`RUN#${runId}`, 'PLAN');
    return item ? unkeyed<StoredPlan>(item) : null;
  }

  async getStoredPlanChunk(runId: string, index: number): Promise<Change[]> {
    const item = this.table.get(`RUN#${runId}`, `PLAN#${pad(index)}`);
    if (!item) throw new ConflictError(`Run ${runId}'s stored plan has no chunk ${index}; the plan is incomplete and cannot be applied.`);
    return JSON.parse(String(item.changes)) as Change[];
  }

  async advanceStoredPlan(
    runId: string,
    owner: string,
    fromCursor: number,
    next: Pick<StoredPlan, 'cursor' | 'counts' | 'batches' | 'status'>,
    now: Date,
  ): Promise<void> {
    const item = this.table.get(`RUN#${runId}`, 'PLAN');
    if (!item || item.owner !== owner || item.cursor !== fromCursor) throw new LeaseLostError(`stored plan of run ${runId}`);
    this.table.put({ ...item, ...next, updatedAt: now.toISOString() });
  }

  async takeOverStoredPlan(runId: string, owner: string, now: Date): Promise<void> {
    const item = this.table.get(`RUN#${runId}`, 'PLAN');
    if (!item || item.status === 'finished')
      throw new ConflictError(`Run ${runId} has no stored plan left to apply (it finished, or it was never an organization apply).`);
    this.table.put({ ...item, owner, updatedAt: now.toISOString() });
  }
}

class InMemoryIssuedTokens implements IssuedTokens {
  constructor(readonly table: InMemoryTable) {}

  async recordIssuedToken(organization: string, token: IssuedToken): Promise<void> {
    this.table.put({ pk: `ORG#${organization}`, sk: `TOKEN#${token.oktaUserId}#${token.tokenId}`, ...token, status: 'active' });
  }

  async listIssuedTokens(organization: string, oktaUserId?: string): Promise<IssuedToken[]> {
    return this.table
      .query(`ORG#${organization}`, { prefix: oktaUserId ? `TOKEN#${oktaUserId}#` : 'TOKEN#' })
      .filter((i) => i.status === 'active')
      .map(issuedTokenOf);
  }

  async markTokenRevoked(organization: string, token: { tokenId: string; oktaUserId: string }, now: Date): Promise<void> {
    const item = this.table.get(`ORG#${organization}`, `TOKEN#${token.oktaUserId}#${token.tokenId}`);
    if (item) this.table.put({ ...item, status: 'revoked', revokedAt: now.toISOString() });
  }

  async suspendCredential(credential: string, record: { runId: string; user: string; reason: string }, now: Date): Promise<void> {
    this.table.put({ pk: `CRED#${credential}`, sk: 'SUSPENDED', credential, ...record, suspendedAt: now.toISOString() });
  }

  async listSuspendedCredentials(credentials: readonly string[]): Promise<string[]> {
    return credentials.filter((name) => this.table.get(`CRED#${name}`, 'SUSPENDED') !== undefined);
  }
}

class InMemoryCursors implements Cursors {
  constructor(readonly table: InMemoryTable) {}

  async getCursor(name: string): Promise<string | null> {
    const item = this.table.get(`CURSOR#${name}`, 'CURSOR');
    return typeof item?.value === 'string' ? item.value : null;
  }

  async putCursor(name: string, value: string, now: Date): Promise<void> {
    this.table.put({ pk: `CURSOR#${name}`, sk: 'CURSOR', value, updatedAt: now.toISOString() });
  }
}

class InMemoryDirectorySnapshots implements DirectorySnapshots {
  constructor(readonly table: InMemoryTable) {}

  async getDirectorySnapshot(organization: string): Promise<{ header: DirectorySnapshotHeader; directory: SnapshotDirectory } | null> {
    const item = this.table.get(`DIRECTORY#${organization}`, 'SNAPSHOT');
    if (!item) return null;
    const header = unkeyed<DirectorySnapshotHeader>(item);
    const chunks = this.table.query(`DIRECTORY#${organization}#${header.snapshotId}`, { prefix: 'CHUNK#' });
    if (chunks.length !== header.chunks) return null;
    return { header, directory: decodeSnapshot(chunks.map((c) => String(c.records))) };
  }

  async putDirectorySnapshot(header: NewSnapshotHeader, directory: SnapshotDirectory): Promise<boolean> {
    const chunks = encodeSnapshot(directory);
    chunks.forEach((records, index) =>
      this.table.put({ pk: `DIRECTORY#${header.organization}#${header.snapshotId}`, sk: `CHUNK#${pad(index)}`, records }),
    );
    const previous = this.table.get(`DIRECTORY#${header.organization}`, 'SNAPSHOT');
    if (previous && String(previous.readStartedAt) >= header.readStartedAt) return false;
    this.table.put({
      pk: `DIRECTORY#${header.organization}`,
      sk: 'SNAPSHOT',
      ...header,
      chunks: chunks.length,
      groups: directory.groups.length,
      users: directory.users.length,
    });
    if (previous && previous.snapshotId !== header.snapshotId) {
      for (const c of this.table.query(`DIRECTORY#${header.organization}#${String(previous.snapshotId)}`)) {
        this.table.delete(String(c.pk), String(c.sk));
      }
    }
    return true;
  }

  async advanceDirectorySnapshot(organization: string, snapshotId: string, readStartedAt: string): Promise<boolean> {
    const item = this.table.get(`DIRECTORY#${organization}`, 'SNAPSHOT');
    if (!item || item.snapshotId !== snapshotId || String(item.readStartedAt) >= readStartedAt) return false;
    this.table.put({ ...item, readStartedAt });
    return true;
  }
}

/** The whole state store in memory: each role over one table (pass the credential store the same table to share suspensions). */
export function inMemoryStateStore(table: InMemoryTable = new InMemoryTable()): StateStore {
  return {
    ...joinRoles(
      new InMemoryLeases(table),
      new InMemoryManagedMembers(table),
      new InMemoryAuditTrail(table),
      new InMemoryEventClaims(table),
      new InMemoryStoredPlans(table),
      new InMemoryIssuedTokens(table),
      new InMemoryCursors(table),
      new InMemoryDirectorySnapshots(table),
    ),
    checkReachable: async () => {},
  };
}

export class InMemoryCredentialStore implements CredentialStore {
  readonly #leases: LeasePrimitives;

  constructor(readonly table: InMemoryTable = new InMemoryTable()) {
    this.#leases = new LeasePrimitives(table);
  }

  async acquireCredentialLease(credential: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    this.#leases.acquire({ pk: `CRED#${credential}`, sk: 'LEASE' }, `rotation lease for credential "${credential}"`, owner, ttlMs, now);
  }

  async renewCredentialLease(credential: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    this.#leases.renew({ pk: `CRED#${credential}`, sk: 'LEASE' }, `rotation lease for credential "${credential}"`, owner, ttlMs, now);
  }

  async releaseCredentialLease(credential: string, owner: string): Promise<void> {
    this.#leases.release({ pk: `CRED#${credential}`, sk: 'LEASE' }, owner);
  }

  async getSuspension(
    credential: string,
  ): Promise<{ runId: string; user: string; reason: string; suspendedAt: string; revokedAt?: string } | null> {
    const item = this.table.get(`CRED#${credential}`, 'SUSPENDED');
    return item ? suspensionOf(item) : null;
  }

  async markSuspensionRevoked(credential: string, now: Date): Promise<void> {
    const item = this.table.get(`CRED#${credential}`, 'SUSPENDED');
    if (item) this.table.put({ ...item, revokedAt: now.toISOString() });
  }

  async getCredentialState(credential: string): Promise<CredentialState | null> {
    const item = this.table.get(`CRED#${credential}`, 'STATE');
    return item ? credentialStateOf(item) : null;
  }

  async putCredentialState(state: CredentialState, now: Date): Promise<void> {
    this.table.put({ pk: `CRED#${state.credential}`, sk: 'STATE', ...state, updatedAt: now.toISOString() });
  }

  async listVersions(credential: string): Promise<CredentialVersion[]> {
    return this.table.query(`CRED#${credential}`, { prefix: 'VERSION#' }).map((i) => unkeyed<CredentialVersion>(i));
  }

  async putVersion(version: CredentialVersion): Promise<void> {
    this.table.put({ pk: `CRED#${version.credential}`, sk: `VERSION#${version.createdAt}#${version.versionId}`, ...version });
  }

  async recordRotationEvent(event: RotationEventRecord): Promise<void> {
    this.table.put({ pk: `CRED#${event.credential}`, sk: `EVENT#${event.at}#${event.rotationId}#${event.step}`, ...event });
  }

  async listRotationEvents(credential: string, limit: number): Promise<RotationEventRecord[]> {
    return this.table
      .query(`CRED#${credential}`, { prefix: 'EVENT#' })
      .reverse()
      .slice(0, limit)
      .map((i) => unkeyed<RotationEventRecord>(i));
  }
}
