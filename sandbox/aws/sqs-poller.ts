import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * What Lambda's SQS event source mapping does, over the real `@aws-sdk/client-sqs`: receive up to
 * `batchSize` messages, invoke the function with them as an SQS event, delete the ones it did not
 * report in `batchItemFailures` (ReportBatchItemFailures); if the invocation throws, delete none.
 * Messages not deleted come back after their visibility timeout and, after the queue's
 * maxReceiveCount, go to its dead-letter queue (the queue's doing, not the poller's).
 */

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

export interface PollResult {
  received: number;
  deleted: number;
  failed: number;
  threw: boolean;
}

export async function pollOnce(
  client: SQSClient,
  queueUrl: string,
  handler: SqsHandler,
  context: Context,
  batchSize = 10,
): Promise<PollResult> {
  const messages: Message[] = [];
  while (messages.length < batchSize) {
    const answer: { Messages?: Message[] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (!answer.Messages?.length) break;
    messages.push(...answer.Messages);
  }
  if (messages.length === 0) return { received: 0, deleted: 0, failed: 0, threw: false };
  const arn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
  const records = messages.map(
    (m) =>
      ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: m.Attributes ?? {},
        messageAttributes: {},
        md5OfBody: m.MD5OfBody!,
        eventSource: 'aws:sqs',
        eventSourceARN: arn,
        awsRegion: 'us-east-1',
      }) as unknown as SQSRecord,
  );
  let failedIds: Set<string>;
  let threw = false;
  try {
    const answer = (await handler({ Records: records }, context)) as { batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined;
    failedIds = new Set((answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch {
    threw = true;
    failedIds = new Set(records.map((r) => r.messageId));
  }
  const done = records.filter((r) => !failedIds.has(r.messageId));
  for (let i = 0; i < done.length; i += 10) {
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.slice(i, i + 10).map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
  return { received: records.length, deleted: done.length, failed: failedIds.size, threw };
}

/** Polls until the queue gives nothing, with `concurrency` pollers side by side (Lambda's scaling). */
export async function drainQueue(
  client: SQSClient,
  queueUrl: string,
  handler: SqsHandler,
  context: Context,
  options: { batchSize?: number; concurrency?: number } = {},
): Promise<PollResult> {
  const total: PollResult = { received: 0, deleted: 0, failed: 0, threw: false };
  await Promise.all(
    Array.from({ length: options.concurrency ?? 1 }, async () => {
      for (;;) {
        const r = await pollOnce(client, queueUrl, handler, context, options.batchSize);
        if (r.received === 0) return;
        total.received += r.received;
        total.deleted += r.deleted;
        total.failed += r.failed;
        total.threw ||= r.threw;
      }
    }),
  );
  return total;
}
