import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DomainEvent, EventSink } from '../../ports/event-sink.js';
import { UpstreamError } from '../../runtime/errors.js';

/**
 * `EventSink` on an EventBridge bus: source `hf-iam-sync`, 10 entries a call (the API's maximum).
 * A partial failure (`FailedEntryCount` > 0) is an error naming the count and the first reason.
 * The client is made on the first publish (`connect`): most invocations publish nothing, and the
 * SDK's EventBridge module is not loaded at their cold start.
 */
export class EventBridgeSink implements EventSink {
  readonly #connect: () => EventBridgeClient | Promise<EventBridgeClient>;
  #client: Promise<EventBridgeClient> | undefined;
  readonly #bus: string;

  constructor(connect: () => EventBridgeClient | Promise<EventBridgeClient>, bus: string) {
    this.#connect = connect;
    this.#bus = bus;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const where = `publish to event bus ${this.#bus}`;
    let sdk: typeof import('@aws-sdk/client-eventbridge');
    let client: EventBridgeClient;
    try {
      this.#client ??= Promise.resolve()
        .then(this.#connect)
        .catch((error: unknown) => {
          this.#client = undefined; // the next publish tries again
          throw error;
        });
      [sdk, client] = await Promise.all([import('@aws-sdk/client-eventbridge'), this.#client]);
    } catch (error) {
      throw new UpstreamError('eventbridge', where, (error as Error).message, undefined, { cause: error });
    }
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      let answer;
      try {
        answer = await client.send(
          new sdk.PutEventsCommand({
            Entries: batch.map((e) => ({
              EventBusName: this.#bus,
              Source: 'hf-iam-sync',
              DetailType: e.detailType,
              Detail: JSON.stringify(e.detail),
            })),
          }),
        );
      } catch (error) {
        throw new UpstreamError('eventbridge', where, (error as Error).message, undefined, { cause: error });
      }
      if (answer.FailedEntryCount) {
        const reason = answer.Entries?.find((e) => e.ErrorCode)?.ErrorMessage ?? 'unknown';
        throw new UpstreamError('eventbridge', where, `${answer.FailedEntryCount} of ${batch.length} events were not accepted: ${reason}`);
      }
    }
  }
}
