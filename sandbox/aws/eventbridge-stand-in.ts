import { randomUUID } from 'node:crypto';
import { StandInServer } from '../http-kit.js';

/**
 * A stand-in for EventBridge's PutEvents (JSON 1.1 protocol), so the real
 * `@aws-sdk/client-eventbridge` publishes to it. Keeps what it received for assertions.
 */
export class EventBridgeStandIn extends StandInServer {
  readonly received: Array<{ bus: string; source: string; detailType: string; detail: Record<string, unknown> }> = [];

  constructor() {
    super();
    this.route('POST', '/', (req) => {
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return { status: 400, body: { __type: 'UnknownOperationException', message: 'only PutEvents is supported' } };
      }
      const entries =
        (req.body as { Entries?: Array<{ EventBusName?: string; Source?: string; DetailType?: string; Detail?: string }> }).Entries ?? [];
      if (entries.length === 0 || entries.length > 10)
        return { status: 400, body: { __type: 'ValidationException', message: 'Entries must hold 1 to 10 events' } };
      for (const e of entries) {
        this.received.push({
          bus: e.EventBusName ?? 'default',
          source: e.Source ?? '',
          detailType: e.DetailType ?? '',
          detail: JSON.parse(e.Detail ?? '{}'),
        });
      }
      return { status: 200, body: { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) } };
    });
  }
}
