import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventQueue } from '../../ports/event-queue.js';
import { describeError } from '../../runtime/errors.js';
import { pack } from '../../runtime/pack.js';

/** SQS's limits: 10 messages a batch, 1 MiB a batch (and a message). */
const BATCH = 10;
const MAX_BATCH_BYTES = 1_048_576;

/** `EventQueue` on Amazon SQS: SendMessageBatch in chunks SQS accepts; a refused entry is reported, the rest still go. */
export class SqsEventQueue implements EventQueue {
  constructor(
    readonly client: SQSClient,
    readonly queueUrl: string,
  ) {}

  async send(bodies: readonly string[]): Promise<Array<{ index: number; reason: string }>> {
    const refused: Array<{ index: number; reason: string }> = [];
    const fits: number[] = [];
    for (const [index, body] of bodies.entries()) {
      const size = Buffer.byteLength(body);
      if (size > MAX_BATCH_BYTES)
        refused.push({ index, reason: `the event is ${size} bytes, over SQS's ${MAX_BATCH_BYTES}-byte message limit` });
      else fits.push(index);
    }
    const chunks = pack(fits, { maxCount: BATCH, maxBytes: MAX_BATCH_BYTES, sizeOf: (index) => Buffer.byteLength(bodies[index]!) });
    await Promise.all(
      chunks.map(async (indexes) => {
        try {
          const answer = await this.client.send(
            new SendMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: indexes.map((index) => ({ Id: String(index), MessageBody: bodies[index]! })),
            }),
          );
          for (const failed of answer.Failed ?? [])
            refused.push({ index: Number(failed.Id), reason: `${failed.Code ?? 'refused'}: ${failed.Message ?? ''}` });
        } catch (error) {
          for (const index of indexes) refused.push({ index, reason: `the queue could not be reached: ${describeError(error)}` });
        }
      }),
    );
    return refused.sort((a, b) => a.index - b.index);
  }
}
