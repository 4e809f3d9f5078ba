import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { DomainEvent, EventSink } from '../../ports/event-sink.js';
import { UpstreamError } from '../../runtime/errors.js';

/**
 * `EventSink` on an EventBridge bus: source `hf-iam-sync`, 10 entries a call (the API's maximum).
 * A partial failure (`FailedEntryCount` > 0) is an error naming the count and the first reason.
 */
export class EventBridgeSink implements EventSink {
  readonly #client: EventBridgeClient;
  readonly #bus: string;

  constructor(client: EventBridgeClient, bus: string) {
    this.#client = client;
    this.#bus = bus;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      let answer;
      try {
        answer = await this.#client.send(new PutEventsCommand({
          Entries: batch.map((e) => ({ EventBusName: this.#bus, Source: 'hf-iam-sync', DetailType: e.detailType, Detail: JSON.stringify(e.detail) })),
        }));
      } catch (error) {
        throw new UpstreamError('eventbridge', `publish to event bus ${this.#bus}`, (error as Error).message, undefined, { cause: error });
      }
      if (answer.FailedEntryCount) {
        const reason = answer.Entries?.find((e) => e.ErrorCode)?.ErrorMessage ?? 'unknown';
        throw new UpstreamError('eventbridge', `publish to event bus ${this.#bus}`, `${answer.FailedEntryCount} of ${batch.length} events were not accepted: ${reason}`);
      }
    }
  }
}
