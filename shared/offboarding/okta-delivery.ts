import { InputError } from '../runtime/errors.js';
import type { QueueMessage } from './okta-queue.js';

/**
 * What the okta-event function accepts, checked before anything is built: a batch from its SQS
 * queue (`Records[]` with `messageId` and `body`; each body is read later, one by one, so a bad one
 * is rejected alone), or one System Log event from Okta's EventBridge log stream (`detail`).
 */

export type OktaDelivery = { kind: 'queue'; messages: QueueMessage[] } | { kind: 'eventbridge'; detail: unknown; published: string };

export function parseOktaDelivery(event: unknown): OktaDelivery {
  const e = (event ?? {}) as { Records?: unknown; detail?: unknown };
  if (Array.isArray(e.Records)) {
    const bad = e.Records.findIndex(
      (r) => typeof (r as { messageId?: unknown })?.messageId !== 'string' || typeof (r as { body?: unknown })?.body !== 'string',
    );
    if (bad >= 0)
      throw new InputError(`Invalid okta-event batch: Records[${bad}] has no messageId and body (an SQS message as Lambda delivers it)`);
    return {
      kind: 'queue',
      messages: (e.Records as Array<{ messageId: string; body: string }>).map((r) => ({ id: r.messageId, body: r.body })),
    };
  }
  if (e.detail !== null && typeof e.detail === 'object') {
    return { kind: 'eventbridge', detail: e.detail, published: String((e.detail as { published?: unknown }).published ?? '') };
  }
  throw new InputError(
    'Invalid okta-event event: expected an SQS batch ({"Records": [{"messageId", "body"}]}) or an EventBridge event from Okta\'s log stream ({"detail": <System Log event>})',
  );
}
