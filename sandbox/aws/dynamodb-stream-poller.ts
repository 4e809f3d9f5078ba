import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { awsClientConfig } from '../../shared/runtime/aws-endpoint.js';

/**
 * What Lambda's DynamoDB Streams event source mapping does, over the real
 * `@aws-sdk/client-dynamodb-streams` against a server that serves streams (DynamoDB Local): reads
 * each shard from its start (TRIM_HORIZON), keeps the records the mapping's filter pattern matches
 * (`FilterCriteria`, in the event's JSON form), hands the function batches of up to `batchSize`
 * in the event shape AWS documents — gathering for up to `batchWindowMs` (the mapping's
 * MaximumBatchingWindowInSeconds) while a batch is not full — and honours ReportBatchItemFailures: a batch answered with a
 * failure is delivered again from that record; a batch whose invocation throws, again whole. Polls
 * each shard four times a second, as Lambda does.
 */

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | unknown>;

export interface StreamPollerOptions {
  batchSize?: number;
  /** The mapping's filter patterns (any matches); none: every record. */
  filters?: readonly unknown[];
  pollMs?: number;
  /** The mapping's batching window: a batch that is not full waits this long from its first record. */
  batchWindowMs?: number;
}

/** Turns the table's stream on (NEW_IMAGE) if it is off; answers its ARN. */
export async function enableStream(client: DynamoDBClient, table: string): Promise<string> {
  const found = await client.send(new DescribeTableCommand({ TableName: table }));
  if (found.Table?.LatestStreamArn && found.Table.StreamSpecification?.StreamEnabled) return found.Table.LatestStreamArn;
  const updated = await client.send(
    new UpdateTableCommand({ TableName: table, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
  );
  return updated.TableDescription!.LatestStreamArn!;
}

/**
 * Whether `value` matches an event filter pattern: exact values, `{prefix}`, `{exists}`, nested objects (Lambda's filter syntax, the
 * part the stack uses).
 */
export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((p) => {
      if (p !== null && typeof p === 'object') {
        const rule = p as { prefix?: string; exists?: boolean };
        if (rule.prefix !== undefined) return typeof value === 'string' && value.startsWith(rule.prefix);
        if (rule.exists !== undefined) return (value !== undefined) === rule.exists;
        return false;
      }
      return p === value;
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([k, p]) => matchesPattern(p, (value as Record<string, unknown>)[k]));
  }
  return pattern === value;
}

export class DynamoDbStreamPoller {
  readonly client: DynamoDBStreamsClient;
  /** Invocations made, and the records each carried. */
  readonly invocations: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #iterators = new Map<string, string | null>();
  readonly #pending = new Map<string, DynamoDBRecord[]>();
  /** When the oldest pending record of a shard was read. */
  readonly #since = new Map<string, number>();

  constructor(
    endpoint: string,
    readonly streamArn: string,
    readonly handler: StreamHandler,
    readonly options: StreamPollerOptions = {},
  ) {
    this.client = new DynamoDBStreamsClient(awsClientConfig(endpoint));
  }

  /** One round over every shard: reads what is new, invokes the handler until each shard's read is delivered. */
  async pollOnce(): Promise<number> {
    const described = await this.client.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    let delivered = 0;
    for (const shard of described.StreamDescription?.Shards ?? []) delivered += await this.#pollShard(shard.ShardId!);
    return delivered;
  }

  start(): void {
    const tick = async () => {
      this.#running = this.pollOnce().then(
        () => undefined,
        () => undefined,
      );
      await this.#running;
      if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.options.pollMs ?? 250);
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const timer = this.#timer;
    this.#timer = undefined;
    clearTimeout(timer);
    await this.#running;
    this.client.destroy();
  }

  async #pollShard(shardId: string): Promise<number> {
    if (!this.#iterators.has(shardId)) {
      const it = await this.client.send(
        new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      this.#iterators.set(shardId, it.ShardIterator ?? null);
    }
    const iterator = this.#iterators.get(shardId);
    const pending = this.#pending.get(shardId) ?? [];
    if (iterator) {
      const page = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      this.#iterators.set(shardId, page.NextShardIterator ?? null);
      pending.push(...(page.Records ?? []).map((r) => this.#lambdaRecord(r)).filter((r) => this.#kept(r)));
    }
    if (pending.length > 0) this.#since.set(shardId, this.#since.get(shardId) ?? Date.now());
    const size = this.options.batchSize ?? 100;
    const gathering = pending.length < size && Date.now() - (this.#since.get(shardId) ?? 0) < (this.options.batchWindowMs ?? 0);
    let delivered = 0;
    while (pending.length > 0 && !gathering) {
      const batch = pending.slice(0, size);
      const failedFrom = await this.#invoke(batch);
      const done = failedFrom === -1 ? batch.length : failedFrom;
      pending.splice(0, done);
      delivered += done;
      if (failedFrom !== -1) break; // the rest is delivered again at the next poll, as Lambda retries
    }
    this.#pending.set(shardId, pending);
    if (pending.length === 0) this.#since.delete(shardId);
    return delivered;
  }

  /** -1: the whole batch went through; else the index the stream delivers again from. */
  async #invoke(batch: DynamoDBRecord[]): Promise<number> {
    this.invocations.push(batch.length);
    try {
      const answer = (await this.handler({ Records: batch })) as DynamoDBBatchResponse | undefined;
      const failures = (answer?.batchItemFailures ?? [])
        .map((f) => batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier))
        .filter((i) => i >= 0);
      return failures.length > 0 ? Math.min(...failures) : -1;
    } catch {
      return 0;
    }
  }

  #kept(record: DynamoDBRecord): boolean {
    const filters = this.options.filters ?? [];
    return filters.length === 0 || filters.some((f) => matchesPattern(f, record));
  }

  #lambdaRecord(r: _Record): DynamoDBRecord {
    const d = r.dynamodb!;
    return JSON.parse(
      JSON.stringify({
        eventID: r.eventID,
        eventName: r.eventName,
        eventVersion: r.eventVersion ?? '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: r.awsRegion ?? 'us-east-1',
        dynamodb: {
          ApproximateCreationDateTime: d.ApproximateCreationDateTime
            ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000)
            : undefined,
          Keys: d.Keys,
          NewImage: d.NewImage,
          SequenceNumber: d.SequenceNumber,
          SizeBytes: d.SizeBytes,
          StreamViewType: d.StreamViewType,
        },
        eventSourceARN: this.streamArn,
      }),
    ) as DynamoDBRecord;
  }
}
