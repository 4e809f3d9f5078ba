import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ChangeRecord } from '../../ports/audit-trail.js';
import { ConflictError, LeaseHeldError, UpstreamError } from '../../runtime/errors.js';
import { LeaseLostError } from '../../runtime/errors.js';

/** The few table operations both stores use, with errors translated to `UpstreamError` naming the table. */
export class TableOps {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    try {
      return (await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }))).Item;
    } catch (error) {
      throw this.wrap(`read ${pk}`, error);
    }
  }

  async put(item: Record<string, unknown>, operation: string): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: item }));
    } catch (error) {
      throw this.wrap(operation, error);
    }
  }

  async delete(pk: string, sk: string, operation: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk, sk } }));
    } catch (error) {
      throw this.wrap(operation, error);
    }
  }

  /** Puts `item` only where nothing holds its key yet: false when something does (a conditional put). */
  async putIfAbsent(item: Record<string, unknown>, operation: string): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.wrap(operation, error);
    }
  }

  /** Follows `LastEvaluatedKey` until `limit` items are read. */
  async query(
    input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>,
    operation: string,
    limit: number,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start && items.length < limit);
    } catch (error) {
      throw this.wrap(operation, error);
    }
    return items.slice(0, limit);
  }

  /*
   * Lease timeline: the put succeeds when there is no lock item, or when the holder's lease has
   * expired (a crashed run). A live holder makes the condition fail, and we read the item back only
   * to say who holds it.
   *
   *   run A: put ──────────── work ──────────── delete(owner = A)
   *   run B:        put ✗ (expiresAtEpoch > now) → LeaseHeldError
   */
  async acquireLease(key: { pk: string; sk: string }, what: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    const expires = new Date(now.getTime() + ttlMs);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...key,
            owner,
            expiresAt: expires.toISOString(),
            expiresAtEpoch: Math.floor(expires.getTime() / 1000),
            ttl: Math.floor(expires.getTime() / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtEpoch < :now',
          ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.wrap(`acquire lease ${key.pk}`, error);
      const held = await this.get(key.pk, key.sk);
      throw new LeaseHeldError(what, String(held?.owner ?? 'unknown'), String(held?.expiresAt ?? 'unknown'), { cause: error });
    }
  }

  /** Extends `owner`'s lease to `ttlMs` from `now`; `LeaseLostError` when someone else holds it now. */
  async renewLease(key: { pk: string; sk: string }, what: string, owner: string, ttlMs: number, now: Date): Promise<void> {
    const expires = new Date(now.getTime() + ttlMs);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET expiresAt = :at, expiresAtEpoch = :epoch, #ttl = :ttl',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':at': expires.toISOString(),
            ':epoch': Math.floor(expires.getTime() / 1000),
            ':ttl': Math.floor(expires.getTime() / 1000) + 86_400,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(what, { cause: error });
      throw this.wrap(`renew lease ${key.pk}`, error);
    }
  }

  /**
   * A member hold (see shared/reconcile/member-holds.ts): one item per Hub member, taken with a
   * conditional update so that it keeps `readAtMs`, the read time of the freshest decision made
   * about that member. Taken when nobody holds it (or the holder's time ran out, or the holder is
   * this owner: a retried invocation of the same job after a kill) *and* no run that
   * read later has decided already; otherwise the answer says which of the two it was.
   */
  async holdMember(
    key: { pk: string; sk: string },
    owner: string,
    ttlMs: number,
    now: Date,
    readAtMs: number,
  ): Promise<'held' | { heldBy: string; until: string } | { decidedAtMs: number; by: string }> {
    const expires = new Date(now.getTime() + ttlMs);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression:
            'SET #owner = :owner, expiresAt = :at, expiresAtEpoch = :epoch, readAtMs = :readAt, decidedBy = :owner, #ttl = :ttl',
          ConditionExpression:
            '(attribute_not_exists(#owner) OR #owner = :owner OR expiresAtEpoch < :now) AND (attribute_not_exists(readAtMs) OR readAtMs <= :readAt)',
          ExpressionAttributeNames: { '#owner': 'owner', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':at': expires.toISOString(),
            ':epoch': Math.floor(expires.getTime() / 1000),
            ':now': Math.floor(now.getTime() / 1000),
            ':readAt': readAtMs,
            ':ttl': Math.floor(now.getTime() / 1000) + 7 * 86_400,
          },
        }),
      );
      return 'held';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.wrap(`hold member ${key.sk}`, error);
      const item = await this.get(key.pk, key.sk);
      const live = item?.owner !== undefined && Number(item.expiresAtEpoch) >= Math.floor(now.getTime() / 1000);
      if (live) return { heldBy: String(item!.owner), until: String(item!.expiresAt) };
      return { decidedAtMs: Number(item?.readAtMs ?? 0), by: String(item?.decidedBy ?? 'unknown') };
    }
  }

  /** Gives a member hold back; the decision's read time stays (an older decision cannot follow it). */
  async releaseMemberHold(key: { pk: string; sk: string }, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'REMOVE #owner, expiresAt, expiresAtEpoch',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.wrap(`release member hold ${key.sk}`, error);
    }
  }

  /**
   * An operator breaks `owner`'s lease (a run that is gone). Refused, saying who holds it, when the
   * lease is not `owner`'s: breaking a live run's lease by mistake must take naming it.
   */
  async breakLease(key: { pk: string; sk: string }, what: string, owner: string): Promise<{ expiresAt: string }> {
    try {
      const answer = await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key,
          ReturnValues: 'ALL_OLD',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
      return { expiresAt: String(answer.Attributes?.expiresAt ?? 'unknown') };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.wrap(`break lease ${key.pk}`, error);
      const held = await this.get(key.pk, key.sk);
      throw new ConflictError(
        held
          ? `The ${what} is held by run ${String(held.owner)} (until ${String(held.expiresAt)}), not by ${owner}; name the run that holds it.`
          : `Nobody holds the ${what}; there is nothing to unlock.`,
      );
    }
  }

  /** Deletes the lease if `owner` still holds it; someone who took over an expired lease releases their own. */
  async releaseLease(key: { pk: string; sk: string }, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.wrap(`release lease ${key.pk}`, error);
    }
  }

  /**
   * Unconditional puts and deletes, 25 a request (BatchWriteItem's maximum); what the table leaves
   * unprocessed is sent again, backing off, five times at most.
   */
  async batchWrite(
    requests: ReadonlyArray<{ PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } }>,
    what: string,
    unprocessed: (left: number) => string,
  ): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        try {
          const answer = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: [...pending] } }));
          pending = (answer.UnprocessedItems?.[this.table] ?? []) as typeof pending;
        } catch (error) {
          throw this.wrap(what, error);
        }
        if (pending.length > 0 && attempt === 5) throw new ConflictError(unprocessed(pending.length));
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      }
    }
  }

  wrap(operation: string, error: unknown): UpstreamError {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return new UpstreamError(
      'dynamodb',
      `${operation} in table ${this.table}`,
      `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
      e.$metadata?.httpStatusCode,
      { cause: error },
    );
  }
}

/** An item without the table's key attributes: the record as it was put. */
export function unkeyed<T>({ pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ...record }: Record<string, unknown>): T {
  return record as T;
}

/** Sequence numbers pad to six digits, so sort keys order as numbers do. */
export const pad = (n: number) => String(n).padStart(6, '0');

/** A change's audit item: by run (`RUN#…`/`CHANGE#seq`), and in the two audit indexes (org + time, org + user + time). */
export function changeItem(change: ChangeRecord): Record<string, unknown> {
  const time = `${change.at}#${change.runId}#${pad(change.seq)}`;
  return {
    pk: `RUN#${change.runId}`,
    sk: `CHANGE#${pad(change.seq)}`,
    gsi1pk: `ORG#${change.organization}#CHANGE`,
    gsi1sk: time,
    gsi2pk: `ORG#${change.organization}#USER#${change.user.toLowerCase()}`,
    gsi2sk: time,
    ...change,
  };
}
