import { ConditionalCheckFailedException, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IssuedToken, ManagedMember } from '../../domain/types.js';
import type { Change } from '../../domain/plan.js';
import type {
  AuditQuery,
  ChangeRecord,
  MemberHoldAnswer,
  OutboxEntry,
  RunRecord,
  StateStore,
  StoredPlan,
} from '../../ports/state-store.js';
import { ConflictError } from '../../runtime/errors.js';
import { LeaseLostError } from '../../runtime/errors.js';
import { mapLimit } from '../../runtime/map-limit.js';
import { TABLE_INDEXES } from './table.js';
import { changeItem, pad, TableOps, unkeyed } from './table-ops.js';

/**
 * `StateStore` on one DynamoDB table, using only Get/Put/Delete with conditions and Query, which
 * DynamoDB, DynamoDB Local and dynalite all support.
 *
 *   LOCK#{org}   / LOCK            lease: owner, expiresAtEpoch (conditional put)
 *   HOLD#{org}#{user} / HOLD       member hold: owner, expiresAtEpoch, readAtMs (conditional update)
 *   OUTBOX#{org} / {user}#{runId}  an outcome event not yet published (pending | ready)
 *   ORG#{org}    / MEMBER#{user}   what we manage (lower-cased username)
 *   RUN#{runId}  / META            a run
 *   RUN#{runId}  / CHANGE#{seq}    a change; gsi1 = org + time, gsi2 = org + user + time
 *   RUN#{runId}  / PLAN            an org run's stored plan: owner, cursor, counts (conditional updates)
 *   RUN#{runId}  / PLAN#{n}        its changes n × chunkSize …, in apply order (JSON, < 400 KB an item)
 */

/** One partition per member: a burst of offboardings spreads over the table. */
const holdKey = (organization: string, user: string) => ({ pk: `HOLD#${organization}#${user.toLowerCase()}`, sk: 'HOLD' });

export class DynamoDbStateStore implements StateStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ops: TableOps;

  constructor(doc: DynamoDBDocumentClient, table: string) {
    this.#doc = doc;
    this.#table = table;
    this.#ops = new TableOps(doc, table);
  }

  async acquireLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    await this.#ops.acquireLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner, ttlMs, now);
  }

  async renewLease(organization: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    await this.#ops.renewLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner, ttlMs, now);
  }

  breakLease(organization: string, owner: string): Promise<{ expiresAt: string }> {
    return this.#ops.breakLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, `reconcile lease for "${organization}"`, owner);
  }

  breakCredentialLease(credential: string, owner: string): Promise<{ expiresAt: string }> {
    return this.#ops.breakLease({ pk: `CRED#${credential}`, sk: 'LEASE' }, `rotation lease for credential "${credential}"`, owner);
  }

  async releaseLease(organization: string, owner: string): Promise<void> {
    await this.#ops.releaseLease({ pk: `LOCK#${organization}`, sk: 'LOCK' }, owner);
  }

  holdMember(organization: string, user: string, owner: string, ttlMs: number, now: Date, readAtMs: number): Promise<MemberHoldAnswer> {
    return this.#ops.holdMember(holdKey(organization, user), owner, ttlMs, now, readAtMs);
  }

  async renewMemberHold(organization: string, user: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    await this.#ops.renewLease(holdKey(organization, user), `hold on member ${user}`, owner, ttlMs, now);
  }

  async releaseMemberHold(organization: string, user: string, owner: string): Promise<void> {
    await this.#ops.releaseMemberHold(holdKey(organization, user), owner);
  }

  async listManaged(organization: string): Promise<ManagedMember[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `ORG#${organization}`, ':prefix': 'MEMBER#' },
      },
      'list managed members',
      Number.POSITIVE_INFINITY,
    );
    return items.map((item) => managedOf(item));
  }

  async getManaged(organization: string, user: string): Promise<ManagedMember | null> {
    const item = await this.#ops.get(`ORG#${organization}`, `MEMBER#${user.toLowerCase()}`);
    return item ? managedOf(item) : null;
  }

  async saveManaged(organization: string, member: ManagedMember): Promise<void> {
    await Promise.all(memberItems(organization, member).map((item) => this.#ops.put(item, `save managed member ${member.user}`)));
  }

  async putChangeAndMember(change: ChangeRecord, member: ManagedMember): Promise<void> {
    // One request for the two or three puts that settle an applied change (none is conditional).
    await this.#ops.batchWrite(
      [changeItem(change), ...memberItems(change.organization, member)].map((Item) => ({ PutRequest: { Item } })),
      `record change ${change.seq} of run ${change.runId} and member ${member.user}`,
      (left) =>
        `The table left ${left} write(s) of change ${change.seq} of run ${change.runId} unprocessed five times; the change is applied on the Hub, its record is not complete.`,
    );
  }

  async findLinkedMembers(organization: string, oktaUserId: string): Promise<string[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `OKTA#${oktaUserId}`, ':prefix': `LINK#${organization}#` },
      },
      'find the members linked to an Okta user',
      Number.POSITIVE_INFINITY,
    );
    return items.map((item) => String(item.user));
  }

  async putRun(run: RunRecord): Promise<void> {
    await this.#ops.put(runItem(run), `record run ${run.runId}`);
  }

  async finishRun(
    run: RunRecord,
    outbox: { put: readonly OutboxEntry[]; drop: readonly string[] },
    applied: ReadonlyArray<{ change: ChangeRecord; member: ManagedMember }> = [],
  ): Promise<void> {
    await this.#ops.batchWrite(
      [
        ...applied
          .flatMap(({ change, member }) => [changeItem(change), ...memberItems(change.organization, member)])
          .map((Item) => ({ PutRequest: { Item } })),
        { PutRequest: { Item: runItem(run) } },
        ...outbox.put.map((entry) => ({ PutRequest: { Item: outboxItem(entry) } })),
        ...outbox.drop.map((id) => ({ DeleteRequest: { Key: { pk: `OUTBOX#${run.organization}`, sk: id } } })),
      ],
      `record run ${run.runId} finished`,
      (left) => `The table left ${left} write(s) of run ${run.runId}'s finish unprocessed five times.`,
    );
  }

  async putChange(change: ChangeRecord, also: { outbox?: readonly OutboxEntry[]; run?: RunRecord } = {}): Promise<void> {
    const items = [changeItem(change), ...(also.outbox ?? []).map((entry) => outboxItem(entry)), ...(also.run ? [runItem(also.run)] : [])];
    if (items.length === 1) {
      await this.#ops.put(items[0]!, `record change ${change.seq} of run ${change.runId}`);
      return;
    }
    await this.#ops.batchWrite(
      items.map((Item) => ({ PutRequest: { Item } })),
      `record change ${change.seq} of run ${change.runId}`,
      (left) =>
        `The table left ${left} write(s) of change ${change.seq} of run ${change.runId} unprocessed five times; the change was not attempted.`,
    );
  }

  async putStoredPlan(plan: StoredPlan, chunks: readonly Change[][]): Promise<void> {
    // The header goes last: a plan whose header exists is complete.
    await mapLimit(
      chunks.map((changes, index) => ({ changes, index })),
      8,
      ({ changes, index }) =>
        this.#ops.put(
          { pk: `RUN#${plan.runId}`, sk: `PLAN#${pad(index)}`, changes: JSON.stringify(changes) },
          `store chunk ${index} of run ${plan.runId}'s plan`,
        ),
    );
    await this.#ops.put({ pk: `RUN#${plan.runId}`, sk: 'PLAN', ...plan }, `store run ${plan.runId}'s plan`);
  }

  async getStoredPlan(runId: string): Promise<StoredPlan | null> {
    const item = await this.#ops.get(`RUN#${runId}`, 'PLAN');
    return item ? unkeyed<StoredPlan>(item) : null;
  }

  async getStoredPlanChunk(runId: string, index: number): Promise<Change[]> {
    const item = await this.#ops.get(`RUN#${runId}`, `PLAN#${pad(index)}`);
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
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `RUN#${runId}`, sk: 'PLAN' },
          UpdateExpression: 'SET #cursor = :cursor, #counts = :counts, batches = :batches, #status = :status, updatedAt = :now',
          ConditionExpression: '#owner = :owner AND #cursor = :from',
          ExpressionAttributeNames: { '#owner': 'owner', '#cursor': 'cursor', '#counts': 'counts', '#status': 'status' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':from': fromCursor,
            ':cursor': next.cursor,
            ':counts': next.counts,
            ':batches': next.batches,
            ':status': next.status,
            ':now': now.toISOString(),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(`stored plan of run ${runId}`, { cause: error });
      throw this.#ops.wrap(`checkpoint run ${runId}`, error);
    }
  }

  async takeOverStoredPlan(runId: string, owner: string, now: Date): Promise<void> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `RUN#${runId}`, sk: 'PLAN' },
          UpdateExpression: 'SET #owner = :owner, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :finished',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':finished': 'finished', ':now': now.toISOString() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`Run ${runId} has no stored plan left to apply (it finished, or it was never an organization apply).`);
      throw this.#ops.wrap(`take over run ${runId}`, error);
    }
  }

  async listRunChanges(runId: string, fromSeq: number, toSeq: number): Promise<ChangeRecord[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':from': `CHANGE#${pad(fromSeq)}`, ':to': `CHANGE#${pad(toSeq)}` },
        ConsistentRead: true,
      },
      `read the changes of run ${runId}`,
      Number.POSITIVE_INFINITY,
    );
    return items.map((item) => unkeyed<ChangeRecord>(item));
  }

  async getChange(runId: string, seq: number): Promise<ChangeRecord | null> {
    const item = await this.#ops.get(`RUN#${runId}`, `CHANGE#${pad(seq)}`);
    return item ? unkeyed<ChangeRecord>(item) : null;
  }

  async listChanges(query: AuditQuery): Promise<ChangeRecord[]> {
    const byUser = query.user !== undefined;
    const [pkName, skName] = byUser ? ['gsi2pk', 'gsi2sk'] : ['gsi1pk', 'gsi1sk'];
    // Sort keys are `<ISO time>#<run>#<seq>`, so a time range is a key condition, not a filter.
    // With `since`/`until` as full ISO strings (the CLI normalises them), a key at exactly `until`
    // sorts after it, so BETWEEN yields [since, until).
    const range =
      query.since && query.until
        ? `${skName} BETWEEN :since AND :until`
        : query.since
          ? `${skName} >= :since`
          : query.until
            ? `${skName} < :until`
            : '';
    const filters = [query.trigger ? '#trigger = :trigger' : '', query.outcome ? '#outcome = :outcome' : ''].filter(Boolean);
    const names = { ...(query.trigger ? { '#trigger': 'trigger' } : {}), ...(query.outcome ? { '#outcome': 'outcome' } : {}) };
    const items = await this.#ops.query(
      {
        IndexName: byUser ? TABLE_INDEXES.byUser : TABLE_INDEXES.byOrganization,
        KeyConditionExpression: `${pkName} = :pk${range ? ` AND ${range}` : ''}`,
        ...(filters.length ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: {
          ':pk': byUser ? `ORG#${query.organization}#USER#${query.user!.toLowerCase()}` : `ORG#${query.organization}#CHANGE`,
          ...(query.since ? { ':since': query.since } : {}),
          ...(query.until ? { ':until': query.until } : {}),
          ...(query.trigger ? { ':trigger': query.trigger } : {}),
          ...(query.outcome ? { ':outcome': query.outcome } : {}),
        },
        ScanIndexForward: false,
      },
      'query audit trail',
      query.limit,
    );
    return items.map((item) => unkeyed<ChangeRecord>(item));
  }

  async lastFinishedRun(organization: string): Promise<RunRecord | null> {
    const items = await this.#ops.query(
      {
        IndexName: TABLE_INDEXES.byOrganization,
        KeyConditionExpression: 'gsi1pk = :pk',
        FilterExpression: 'attribute_exists(finishedAt)',
        ExpressionAttributeValues: { ':pk': `ORG#${organization}#RUN` },
        ScanIndexForward: false,
      },
      'find the last run',
      1,
    );
    return items[0] ? unkeyed<RunRecord>(items[0]) : null;
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const item = await this.#ops.get(`RUN#${runId}`, 'META');
    return item ? unkeyed<RunRecord>(item) : null;
  }

  /*
   * Event claims: one item per Okta event uuid, shared by the three ways in (EventBridge, Event
   * Hook, log poll). A claim lasts until the deadline of the invocation that took it: past that,
   * an `in-progress` claim belonged to an invocation that is gone, and the next delivery (Lambda's
   * retry, the DLQ replay, the poll) takes it over.
   *
   *   first delivery:  put ✓ (no item)                     → process → status = done
   *   duplicate:       put ✗ (done)                        → 'done'
   *   while it runs:   put ✗ (in-progress, until ≥ now)    → 'in-progress'
   *   after a crash:   put ✓ (in-progress, until < now)    → process
   */
  async claimEvent(uuid: string, source: string, now: Date, until: Date): Promise<'claimed' | 'done' | 'in-progress'> {
    const epoch = Math.floor(now.getTime() / 1000);
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: `EVENT#${uuid}`,
            sk: 'EVENT',
            status: 'in-progress',
            source,
            claimedAt: now.toISOString(),
            claimedAtEpoch: epoch,
            claimedUntil: until.toISOString(),
            claimedUntilMs: until.getTime(),
            ttl: epoch + 7 * 86_400,
          },
          // Claims written before claimedUntilMs existed expire 5 minutes after they were taken.
          ConditionExpression:
            'attribute_not_exists(pk) OR (#status = :progress AND (claimedUntilMs < :nowMs OR (attribute_not_exists(claimedUntilMs) AND claimedAtEpoch < :legacy)))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':progress': 'in-progress', ':nowMs': now.getTime(), ':legacy': epoch - 300 },
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.#ops.wrap(`claim event ${uuid}`, error);
      const held = await this.#ops.get(`EVENT#${uuid}`, 'EVENT');
      return held?.status === 'done' ? 'done' : 'in-progress';
    }
  }

  async finishEvents(done: readonly string[], released: readonly string[], now: Date): Promise<void> {
    const epoch = Math.floor(now.getTime() / 1000);
    await this.#ops.batchWrite(
      [
        ...done.map((uuid) => ({
          PutRequest: {
            Item: { pk: `EVENT#${uuid}`, sk: 'EVENT', status: 'done', completedAt: now.toISOString(), ttl: epoch + 7 * 86_400 },
          },
        })),
        ...released.map((uuid) => ({ DeleteRequest: { Key: { pk: `EVENT#${uuid}`, sk: 'EVENT' } } })),
      ],
      `finish ${done.length + released.length} event claim(s)`,
      (left) => `The table left ${left} event claim(s) unfinished five times; their claims end with this invocation's deadline.`,
    );
  }

  async recordIssuedToken(organization: string, token: IssuedToken): Promise<void> {
    await this.#ops.put(
      { pk: `ORG#${organization}`, sk: `TOKEN#${token.oktaUserId}#${token.tokenId}`, ...token, status: 'active' },
      `record issued token ${token.tokenId}`,
    );
  }

  async listIssuedTokens(organization: string, oktaUserId?: string): Promise<IssuedToken[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': `ORG#${organization}`,
          ':prefix': oktaUserId ? `TOKEN#${oktaUserId}#` : 'TOKEN#',
          ':active': 'active',
        },
      },
      'list issued tokens',
      Number.POSITIVE_INFINITY,
    );
    return items.map(issuedTokenOf);
  }

  async markTokenRevoked(organization: string, token: { tokenId: string; oktaUserId: string }, now: Date): Promise<void> {
    const key = { pk: `ORG#${organization}`, sk: `TOKEN#${token.oktaUserId}#${token.tokenId}` };
    const item = await this.#ops.get(key.pk, key.sk);
    if (item) await this.#ops.put({ ...item, status: 'revoked', revokedAt: now.toISOString() }, `mark token ${token.tokenId} revoked`);
  }

  async checkReachable(): Promise<void> {
    try {
      const answer = await this.#doc.send(new DescribeTableCommand({ TableName: this.#table }));
      if (answer.Table?.TableStatus !== 'ACTIVE') throw new Error(`table status is ${answer.Table?.TableStatus}`);
    } catch (error) {
      throw this.#ops.wrap('describe table', error);
    }
  }

  async suspendCredential(credential: string, record: { runId: string; user: string; reason: string }, now: Date): Promise<void> {
    await this.#ops.put(
      { pk: `CRED#${credential}`, sk: 'SUSPENDED', credential, ...record, suspendedAt: now.toISOString() },
      `suspend credential ${credential}`,
    );
  }

  async listSuspendedCredentials(credentials: readonly string[]): Promise<string[]> {
    const found = await Promise.all(credentials.map(async (name) => ((await this.#ops.get(`CRED#${name}`, 'SUSPENDED')) ? [name] : [])));
    return found.flat();
  }

  async getScimManagedResourceGroups(organization: string): Promise<string[] | null> {
    const item = await this.#ops.get(`ORG#${organization}`, 'SCIMGROUPS');
    return Array.isArray(item?.ids) ? (item.ids as string[]) : null;
  }

  async putScimManagedResourceGroups(organization: string, ids: readonly string[], now: Date): Promise<void> {
    await this.#ops.put(
      { pk: `ORG#${organization}`, sk: 'SCIMGROUPS', ids: [...ids], updatedAt: now.toISOString() },
      'save SCIM-managed resource groups',
    );
  }

  async putOutbox(entry: OutboxEntry): Promise<void> {
    await this.#ops.put(outboxItem(entry), `stage outcome event ${entry.id}`);
  }

  async listOutbox(organization: string, user?: string): Promise<OutboxEntry[]> {
    const items = await this.#ops.query(
      user === undefined
        ? { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `OUTBOX#${organization}` } }
        : {
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
            ExpressionAttributeValues: { ':pk': `OUTBOX#${organization}`, ':user': `${user.toLowerCase()}#` },
          },
      'list the outbox',
      1000,
    );
    return items.map(({ publishingUntilMs, ttl, ...item }) => ({
      ...unkeyed<OutboxEntry>(item),
      ...(typeof publishingUntilMs === 'number' ? { publishingUntil: new Date(publishingUntilMs).toISOString() } : {}),
    }));
  }

  async claimOutbox(organization: string, id: string, until: Date, now: Date): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `OUTBOX#${organization}`, sk: id },
          UpdateExpression: 'SET publishingUntilMs = :until',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(publishingUntilMs) OR publishingUntilMs < :now)',
          ExpressionAttributeValues: { ':until': until.getTime(), ':now': now.getTime() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.#ops.wrap(`claim outcome event ${id}`, error);
    }
  }

  async deleteOutbox(organization: string, ids: readonly string[]): Promise<void> {
    await this.#ops.batchWrite(
      ids.map((id) => ({ DeleteRequest: { Key: { pk: `OUTBOX#${organization}`, sk: id } } })),
      `delete ${ids.length} outcome event(s)`,
      (left) => `The table left ${left} published outcome event(s) undeleted five times; they may be published again (at least once).`,
    );
  }

  async getCursor(name: string): Promise<string | null> {
    const item = await this.#ops.get(`CURSOR#${name}`, 'CURSOR');
    return typeof item?.value === 'string' ? item.value : null;
  }

  async putCursor(name: string, value: string, now: Date): Promise<void> {
    await this.#ops.put({ pk: `CURSOR#${name}`, sk: 'CURSOR', value, updatedAt: now.toISOString() }, `save cursor ${name}`);
  }
}

/**
 * The member and, when there is one, the identity link, kept even after the Okta user names
 * another Hub account or disappears: how a one-person run finds the members that person had.
 */
export function memberItems(organization: string, member: ManagedMember): Array<Record<string, unknown>> {
  return [
    { pk: `ORG#${organization}`, sk: `MEMBER#${member.user.toLowerCase()}`, ...member },
    ...(member.oktaUserId
      ? [{ pk: `OKTA#${member.oktaUserId}`, sk: `LINK#${organization}#${member.user.toLowerCase()}`, organization, user: member.user }]
      : []),
  ];
}

/** A run's item: `RUN#{runId}` / `META`, indexed by organization and start time. */
export function runItem(run: RunRecord): Record<string, unknown> {
  return { pk: `RUN#${run.runId}`, sk: 'META', gsi1pk: `ORG#${run.organization}#RUN`, gsi1sk: `${run.startedAt}#${run.runId}`, ...run };
}

/** An outbox entry's item; a publishing claim is kept as epoch ms, so it can be compared in a condition. */
export function outboxItem(entry: OutboxEntry): Record<string, unknown> {
  const { publishingUntil, ...rest } = entry;
  return {
    pk: `OUTBOX#${entry.organization}`,
    sk: entry.id,
    ...rest,
    ...(publishingUntil ? { publishingUntilMs: Date.parse(publishingUntil) } : {}),
    ttl: Math.floor(Date.now() / 1000) + 30 * 86_400,
  };
}

/** A managed member as the table holds it. */
export function managedOf(item: Record<string, unknown>): ManagedMember {
  return {
    user: String(item.user),
    oktaUserId: (item.oktaUserId as string | undefined) ?? null,
    role: item.role as ManagedMember['role'],
    resourceGroups: (item.resourceGroups as ManagedMember['resourceGroups'] | undefined) ?? [],
    lastSyncedAt: String(item.lastSyncedAt),
    ...(item.removed ? { removed: item.removed as NonNullable<ManagedMember['removed']> } : {}),
  };
}

/** An issued token as the table holds it (its id and last four characters only). */
export function issuedTokenOf(i: Record<string, unknown>): IssuedToken {
  return {
    tokenId: String(i.tokenId),
    oktaUserId: String(i.oktaUserId),
    user: String(i.user),
    label: String(i.label),
    last4: String(i.last4),
    issuedAt: String(i.issuedAt),
  };
}
