import type { ManagedMember } from '../../domain/types.js';
import type { AuditQuery, AuditTrail, ChangeRecord, RunRecord } from '../../ports/audit-trail.js';
import type { OutboxEntry } from '../../ports/event-claims.js';
import { outboxItem } from './event-claims.js';
import { memberItems } from './managed-members.js';
import { TABLE_INDEXES } from './table.js';
import { changeItem, pad, unkeyed, type TableOps } from './table-ops.js';

/**
 * Runs and changes on the table (applied changes settle their members, finished runs their outbox, in the same batch):
 *
 *   RUN#{runId}  / META            a run; gsi1 = org + start time
 *   RUN#{runId}  / CHANGE#{seq}    a change; gsi1 = org + time, gsi2 = org + user + time
 */
export class DynamoDbAuditTrail implements AuditTrail {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
  }

  async putRun(run: RunRecord): Promise<void> {
    await this.#ops.put(runItem(run), `record run ${run.runId}`);
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

  async putChangeAndMember(change: ChangeRecord, member: ManagedMember): Promise<void> {
    // One request for the two or three puts that settle an applied change (none is conditional).
    await this.#ops.batchWrite(
      [changeItem(change), ...memberItems(change.organization, member)].map((Item) => ({ PutRequest: { Item } })),
      `record change ${change.seq} of run ${change.runId} and member ${member.user}`,
      (left) =>
        `The table left ${left} write(s) of change ${change.seq} of run ${change.runId} unprocessed five times; the change is applied on the Hub, its record is not complete.`,
    );
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

  async getChange(runId: string, seq: number): Promise<ChangeRecord | null> {
    const item = await this.#ops.get(`RUN#${runId}`, `CHANGE#${pad(seq)}`);
    return item ? unkeyed<ChangeRecord>(item) : null;
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

  async getRun(runId: string): Promise<RunRecord | null> {
    const item = await this.#ops.get(`RUN#${runId}`, 'META');
    return item ? unkeyed<RunRecord>(item) : null;
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
}

/** A run's item: `RUN#{runId}` / `META`, indexed by organization and start time. */
export function runItem(run: RunRecord): Record<string, unknown> {
  return { pk: `RUN#${run.runId}`, sk: 'META', gsi1pk: `ORG#${run.organization}#RUN`, gsi1sk: `${run.startedAt}#${run.runId}`, ...run };
}
