import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventClaims, Outbox, OutboxEntry } from '../../ports/event-claims.js';
import { unkeyed, type TableOps } from './table-ops.js';

/**
 * Event claims and the outbox on the table:
 *
 *   EVENT#{uuid} / EVENT           a claim: in-progress until the claimer's deadline, or done (TTL a week)
 *   OUTBOX#{org} / {user}#{runId}  an outcome event not yet published (pending | ready)
 */
export class DynamoDbEventClaims implements EventClaims, Outbox {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
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
      await this.#ops.doc.send(
        new PutCommand({
          TableName: this.#ops.table,
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
      await this.#ops.doc.send(
        new UpdateCommand({
          TableName: this.#ops.table,
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
