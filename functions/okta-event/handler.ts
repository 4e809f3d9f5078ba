import type { EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { handleOktaEvents } from '../../shared/offboarding/handle-okta-events.js';
import { handleQueuedEvents } from '../../shared/offboarding/okta-queue.js';
import { parseOktaDelivery } from '../../shared/offboarding/okta-delivery.js';
import { lambdaEventSink, lambdaSetup } from '../../composition/lambda-setup.js';
import { recordEvents } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/**
 * okta-event: Okta events from the SQS queue (the hook's and the EventBridge rule's; partial batch
 * failures go back to the queue, then to its DLQ), or one EventBridge event invoked directly.
 */
export const handler = withMiddleware(async (event: SQSEvent | EventBridgeEvent<'SystemLog', unknown>) => {
  const delivery = parseOktaDelivery(event);
  const { config, composition } = await lambdaSetup();
  const ports = { ...composition.ports, events: lambdaEventSink() };
  if (delivery.kind === 'queue') {
    const result = await handleQueuedEvents(ports, config, delivery.messages);
    for (const o of result.messages) logger[o.outcome === 'rejected' ? 'warn' : 'info']('okta event handled', { ...o });
    for (const r of result.results) recordEvents(r.source, r.received, r.result, r.published, new Date());
    return { batchItemFailures: result.batchItemFailures };
  }
  const result = await handleOktaEvents(ports, config, [delivery.detail], 'eventbridge');
  for (const o of result.outcomes) logger.info('okta event handled', { ...o, offboarded: result.offboarded });
  recordEvents('eventbridge', 1, result, [delivery.published], new Date());
  // Failed, or held by another invocation (a crashed one's claim ends with its deadline): throw, so Lambda retries.
  const failed = result.outcomes.find((o) => o.outcome === 'failed' || o.outcome === 'in-progress');
  if (failed)
    throw new Error(
      `Okta event ${failed.uuid} ${failed.outcome === 'failed' ? 'failed' : 'is in progress elsewhere'} and will be retried: ${failed.detail}`,
    );
  return result;
});
