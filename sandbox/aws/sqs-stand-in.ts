import { createHash, randomUUID } from 'node:crypto';
import { StandInServer, type SandboxResponse } from '../http-kit.js';

/**
 * A stand-in for Amazon SQS's JSON protocol (`POST /`, `X-Amz-Target: AmazonSQS.<Operation>`,
 * `application/x-amz-json-1.0`), for the calls the product and Lambda's SQS poller make, so the real
 * `@aws-sdk/client-sqs` (which checks every body's MD5) is tested against it: SendMessage,
 * SendMessageBatch, ReceiveMessage, DeleteMessage(Batch), ChangeMessageVisibility, GetQueueUrl,
 * GetQueueAttributes.
 *
 * The documented rules it keeps: at most 10 entries a batch with distinct ids; a message (and a
 * whole batch) at most 1 MiB (`MaximumMessageSize` default 1,048,576 bytes); a received message is
 * invisible for the visibility timeout and comes back if not deleted; a redrive policy moves a
 * message to its dead-letter queue once it was received `maxReceiveCount` times; an expired or
 * unknown receipt handle is `ReceiptHandleIsInvalid`.
 */

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receipt: string | null;
}

interface Queue {
  name: string;
  visibilityMs: number;
  redrive?: { deadLetter: string; maxReceiveCount: number };
  messages: Message[];
}

const MAX_SIZE = 1_048_576;
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export class SqsStandIn extends StandInServer {
  readonly queues = new Map<string, Queue>();

  constructor() {
    super();
    this.route('POST', '/', (req) => {
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      const body = (req.body ?? {}) as Record<string, unknown>;
      try {
        switch (target) {
          case 'SendMessage':
            return this.#sendOne(body);
          case 'SendMessageBatch':
            return this.#sendBatch(body);
          case 'ReceiveMessage':
            return this.#receive(body);
          case 'DeleteMessage':
            return this.#delete(body);
          case 'DeleteMessageBatch':
            return this.#deleteBatch(body);
          case 'ChangeMessageVisibility':
            return this.#changeVisibility(body);
          case 'GetQueueUrl':
            return this.#ok({ QueueUrl: this.queueUrl(this.#queue(String(body.QueueName)).name) });
          case 'GetQueueAttributes':
            return this.#attributes(body);
          default:
            return this.#error('UnsupportedOperation', `Operation ${target} is not supported by the stand-in`);
        }
      } catch (error) {
        if (error instanceof SqsError) return this.#error(error.type, error.message);
        throw error;
      }
    });
  }

  /** Seeding helper: a queue (and its redrive to a dead-letter queue). */
  createQueue(name: string, options: { visibilityTimeoutSeconds?: number; deadLetter?: string; maxReceiveCount?: number } = {}): string {
    this.queues.set(name, {
      name,
      visibilityMs: (options.visibilityTimeoutSeconds ?? 30) * 1000,
      messages: [],
      ...(options.deadLetter ? { redrive: { deadLetter: options.deadLetter, maxReceiveCount: options.maxReceiveCount ?? 5 } } : {}),
    });
    return this.queueUrl(name);
  }

  queueUrl(name: string): string {
    return `${this.baseUrl}/000000000000/${name}`;
  }

  /** Bodies of the messages a queue holds (visible or not). */
  bodies(name: string): string[] {
    return this.#queue(name).messages.map((m) => m.body);
  }

  #queue(nameOrUrl: string): Queue {
    const name = nameOrUrl.split('/').pop() ?? '';
    const queue = this.queues.get(name);
    if (!queue) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  #enqueue(queue: Queue, body: unknown): { MessageId: string; MD5OfMessageBody: string } {
    if (typeof body !== 'string' || body.length === 0)
      throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > MAX_SIZE)
      throw new SqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_SIZE} bytes.`,
      );
    const message: Message = { id: randomUUID(), body, sentAt: Date.now(), receiveCount: 0, visibleAt: 0, receipt: null };
    queue.messages.push(message);
    return { MessageId: message.id, MD5OfMessageBody: md5(body) };
  }

  #sendOne(body: Record<string, unknown>): SandboxResponse {
    return this.#ok(this.#enqueue(this.#queue(String(body.QueueUrl)), body.MessageBody));
  }

  #sendBatch(body: Record<string, unknown>): SandboxResponse {
    const queue = this.#queue(String(body.QueueUrl));
    const entries = (body.Entries ?? []) as Array<{ Id?: string; MessageBody?: unknown }>;
    return this.#batch(
      entries,
      (entry) => this.#enqueue(queue, entry.MessageBody),
      () => {
        const total = entries.reduce((n, e) => n + Buffer.byteLength(String(e.MessageBody ?? '')), 0);
        if (total > MAX_SIZE)
          throw new SqsError(
            'BatchRequestTooLong',
            `Batch requests cannot be longer than ${MAX_SIZE} bytes. You have sent ${total} bytes.`,
          );
      },
    );
  }

  /**
   * SQS's batch rules (1 to 10 entries, distinct ids, then the operation's own `whole` check), then
   * each entry on its own: what fails goes to `Failed` with its code, the rest to `Successful`.
   */
  #batch<E extends { Id?: string }>(entries: readonly E[], each: (entry: E) => object, whole?: () => void): SandboxResponse {
    if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
    if (entries.length > 10)
      throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`);
    if (new Set(entries.map((e) => e.Id)).size !== entries.length)
      throw new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
    whole?.();
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries) {
      try {
        Successful.push({ Id: entry.Id, ...each(entry) });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: error.type, Message: error.message });
      }
    }
    return this.#ok({ Successful, Failed });
  }

  #receive(body: Record<string, unknown>): SandboxResponse {
    const queue = this.#queue(String(body.QueueUrl));
    const max = Number(body.MaxNumberOfMessages ?? 1);
    if (!Number.isInteger(max) || max < 1 || max > 10)
      throw new SqsError(
        'InvalidParameterValue',
        'Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
      );
    const visibilityMs = body.VisibilityTimeout === undefined ? queue.visibilityMs : Number(body.VisibilityTimeout) * 1000;
    const now = Date.now();
    const out: unknown[] = [];
    for (const message of [...queue.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        // Received maxReceiveCount times and still here: moved to the dead-letter queue.
        queue.messages.splice(queue.messages.indexOf(message), 1);
        this.#queue(queue.redrive.deadLetter).messages.push({ ...message, visibleAt: 0, receipt: null });
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + visibilityMs;
      message.receipt = randomUUID();
      out.push({
        MessageId: message.id,
        ReceiptHandle: message.receipt,
        Body: message.body,
        MD5OfBody: md5(message.body),
        Attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentAt),
          ApproximateFirstReceiveTimestamp: String(now),
        },
      });
    }
    return this.#ok(out.length > 0 ? { Messages: out } : {});
  }

  #take(queue: Queue, receipt: unknown): Message {
    const message = queue.messages.find((m) => m.receipt !== null && m.receipt === receipt);
    if (!message)
      throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${String(receipt)}" is not a valid receipt handle.`);
    return message;
  }

  #delete(body: Record<string, unknown>): SandboxResponse {
    const queue = this.#queue(String(body.QueueUrl));
    queue.messages.splice(queue.messages.indexOf(this.#take(queue, body.ReceiptHandle)), 1);
    return this.#ok({});
  }

  #deleteBatch(body: Record<string, unknown>): SandboxResponse {
    const queue = this.#queue(String(body.QueueUrl));
    return this.#batch((body.Entries ?? []) as Array<{ Id?: string; ReceiptHandle?: string }>, (entry) => {
      queue.messages.splice(queue.messages.indexOf(this.#take(queue, entry.ReceiptHandle)), 1);
      return {};
    });
  }

  #changeVisibility(body: Record<string, unknown>): SandboxResponse {
    const queue = this.#queue(String(body.QueueUrl));
    this.#take(queue, body.ReceiptHandle).visibleAt = Date.now() + Number(body.VisibilityTimeout ?? 0) * 1000;
    return this.#ok({});
  }

  #attributes(body: Record<string, unknown>): SandboxResponse {
    const queue = this.#queue(String(body.QueueUrl));
    const now = Date.now();
    return this.#ok({
      Attributes: {
        ApproximateNumberOfMessages: String(queue.messages.filter((m) => m.visibleAt <= now).length),
        ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((m) => m.visibleAt > now).length),
        VisibilityTimeout: String(queue.visibilityMs / 1000),
        ...(queue.redrive
          ? {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${queue.redrive.deadLetter}`,
                maxReceiveCount: queue.redrive.maxReceiveCount,
              }),
            }
          : {}),
      },
    });
  }

  #ok(body: unknown): SandboxResponse {
    return { status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.0' } };
  }

  #error(type: string, message: string): SandboxResponse {
    return {
      status: 400,
      body: { __type: `com.amazonaws.sqs#${type}`, message },
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `AWS.SimpleQueueService.${type};Sender` },
    };
  }
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
