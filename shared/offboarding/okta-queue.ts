import type { Config } from '../runtime/config.js';
import { handleOktaEvents, type EventOutcome, type EventPorts, type EventSource, type HandleResult } from './handle-okta-events.js';

/**
 * The okta-event function's queue side: a batch of SQS messages, each one Okta event — put there by
 * the hook (`{"source":"hook","event":…}`) or by the EventBridge rule on Okta's partner bus (the
 * whole EventBridge event). Lambda's SQS poller batches a burst (batch window), so 1,000
 * deactivations become a few invocations that each coalesce their people.
 *
 * Partial batch failures: a message whose event failed, or is in progress elsewhere, or could not
 * be reached in time is reported in `batchItemFailures`; SQS makes it visible again after the
 * visibility timeout and, after `maxReceiveCount` tries, moves it to the dead-letter queue. The
 * rest of the batch is done and deleted. A message that is not an Okta event at all is logged with
 * the reason and acknowledged: no retry can fix it.
 */

export interface QueueMessage {
  id: string;
  body: string;
}

interface QueueMessageOutcome {
  id: string;
  uuid: string | null;
  outcome: EventOutcome['outcome'];
  detail: string;
}

export interface QueueResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
  messages: QueueMessageOutcome[];
  results: Array<{ source: EventSource; received: number; result: HandleResult; published: string[] }>;
}

/** Retried by SQS: the work is not done (yet). */
const RETRY = new Set<EventOutcome['outcome']>(['failed', 'in-progress', 'deferred']);

/** The Okta event a message carries, and which way in it came; or why it is not one. */
function readQueuedEvent(body: string): { source: EventSource; event: unknown } | { reason: string } {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return { reason: 'message body is not JSON' };
  }
  const m = message as Record<string, unknown> | null;
  if (m && typeof m === 'object' && m.source === 'hook' && 'event' in m) return { source: 'hook', event: m.event };
  if (m && typeof m === 'object' && m['detail-type'] === 'SystemLog' && 'detail' in m) return { source: 'eventbridge', event: m.detail };
  return {
    reason:
      'message is neither a queued hook event ({"source":"hook","event":…}) nor an EventBridge SystemLog event ({"detail-type":"SystemLog","detail":…})',
  };
}

const uuidOf = (event: unknown): string | null => {
  const uuid = (event as { uuid?: unknown } | null)?.uuid;
  return typeof uuid === 'string' ? uuid : null;
};

export async function handleQueuedEvents(
  ports: EventPorts,
  config: Config,
  messages: readonly QueueMessage[],
  deadline?: number,
): Promise<QueueResult> {
  const outcomes: QueueMessageOutcome[] = [];
  const bySource = new Map<EventSource, Array<{ id: string; event: unknown }>>();
  for (const message of messages) {
    const read = readQueuedEvent(message.body);
    if ('reason' in read) outcomes.push({ id: message.id, uuid: null, outcome: 'rejected', detail: read.reason });
    else bySource.set(read.source, [...(bySource.get(read.source) ?? []), { id: message.id, event: read.event }]);
  }
  const results: QueueResult['results'] = [];
  for (const [source, items] of bySource) {
    const result = await handleOktaEvents(
      ports,
      config,
      items.map((i) => i.event),
      source,
      deadline,
    );
    const byUuid = new Map(result.outcomes.filter((o) => o.uuid !== null).map((o) => [o.uuid!, o]));
    const anonymous = result.outcomes.filter((o) => o.uuid === null);
    for (const item of items) {
      const uuid = uuidOf(item.event);
      const o = (uuid !== null ? byUuid.get(uuid) : undefined) ??
        anonymous.shift() ?? { outcome: 'rejected' as const, detail: 'not an Okta event' };
      outcomes.push({ id: item.id, uuid, outcome: o.outcome, detail: o.detail });
    }
    results.push({
      source,
      received: items.length,
      result,
      published: items.map((i) => String((i.event as { published?: unknown } | null)?.published ?? '')),
    });
  }
  return {
    batchItemFailures: outcomes.filter((o) => RETRY.has(o.outcome)).map((o) => ({ itemIdentifier: o.id })),
    messages: outcomes,
    results,
  };
}
