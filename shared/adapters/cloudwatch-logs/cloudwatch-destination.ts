import {
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import type { AuditRecord } from '../../domain/audit-record.js';
import type { AuditDestination, DeliveryResult } from '../../ports/audit-destination.js';
import { UpstreamError } from '../../runtime/errors.js';
import { logBatches, type LogEvent } from './log-batches.js';

/**
 * `AuditDestination` on a CloudWatch Logs group the stack owns: one stream per source and day
 * (`hub/2026-12-06`, `hf-iam-sync/2026-12-06`), made on first use; batches within PutLogEvents'
 * rules (log-batches.ts). Events CloudWatch refuses for their age (`rejectedLogEventsInfo`) are
 * reported refused, never retried: no later call would be accepted either.
 */
export class CloudWatchLogsDestination implements AuditDestination {
  readonly name = 'cloudwatch-logs';
  readonly #known = new Set<string>();

  constructor(
    readonly client: CloudWatchLogsClient,
    readonly logGroup: string,
  ) {}

  async deliver(records: readonly AuditRecord[]): Promise<DeliveryResult> {
    const result: DeliveryResult = { accepted: 0, refused: [] };
    const byStream = new Map<string, AuditRecord[]>();
    for (const r of records) {
      const stream = `${r.source}/${r.time.slice(0, 10)}`;
      byStream.set(stream, [...(byStream.get(stream) ?? []), r]);
    }
    for (const [stream, mine] of byStream) {
      for (const batch of logBatches(mine)) {
        const refused = await this.#put(stream, batch);
        result.accepted += batch.length - refused.length;
        result.refused.push(...refused);
      }
    }
    return result;
  }

  async #put(stream: string, events: LogEvent[]): Promise<DeliveryResult['refused']> {
    await this.#ensureStream(stream);
    let answer;
    try {
      answer = await this.client.send(new PutLogEventsCommand({ logGroupName: this.logGroup, logStreamName: stream, logEvents: events }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) this.#known.delete(stream);
      throw wrap(`put ${events.length} audit records into ${this.logGroup}/${stream}`, error);
    }
    const info = answer.rejectedLogEventsInfo;
    if (!info) return [];
    const idOf = (e: LogEvent) => String((JSON.parse(e.message) as { id?: unknown }).id);
    return events.flatMap((e, i) => {
      if (info.tooNewLogEventStartIndex !== undefined && i >= info.tooNewLogEventStartIndex)
        return [{ id: idOf(e), reason: 'more than two hours in the future' }];
      if (info.tooOldLogEventEndIndex !== undefined && i <= info.tooOldLogEventEndIndex)
        return [{ id: idOf(e), reason: 'older than 14 days' }];
      if (info.expiredLogEventEndIndex !== undefined && i <= info.expiredLogEventEndIndex)
        return [{ id: idOf(e), reason: "older than the log group's retention" }];
      return [];
    });
  }

  async #ensureStream(stream: string): Promise<void> {
    if (this.#known.has(stream)) return;
    try {
      await this.client.send(new CreateLogStreamCommand({ logGroupName: this.logGroup, logStreamName: stream }));
    } catch (error) {
      if (!(error instanceof ResourceAlreadyExistsException)) throw wrap(`create log stream ${this.logGroup}/${stream}`, error);
    }
    this.#known.add(stream);
  }
}

function wrap(operation: string, error: unknown): UpstreamError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return new UpstreamError(
    'cloudwatch-logs',
    operation,
    `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
    e.$metadata?.httpStatusCode,
    { cause: error },
  );
}
