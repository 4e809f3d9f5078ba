import type { EventBridgeEvent } from 'aws-lambda';
import { handleOktaEvents } from '../../shared/offboarding/handle-okta-events.js';
import { lambdaEventSink, lambdaRuntime } from '../../shared/runtime/lambda-runtime.js';
import { recordEvents } from '../../shared/runtime/metrics.js';
import { logger, withMiddleware } from '../../shared/runtime/middleware.js';

/**
 * okta-event: one Okta System Log event from the Okta partner event bus (`detail` = LogEvent).
 * A failed reconcile throws, so EventBridge retries and finally dead-letters the event; a malformed
 * or irrelevant event is logged and acknowledged (retrying cannot fix it).
 */
export const handler = withMiddleware(async (event: EventBridgeEvent<'SystemLog', unknown>) => {
  const { config, composition } = await lambdaRuntime();
  const result = await handleOktaEvents({ ...composition.ports, events: lambdaEventSink() }, config, [event.detail], 'eventbridge');
  for (const o of result.outcomes) logger.info('okta event handled', { ...o, offboarded: result.offboarded });
  recordEvents('eventbridge', 1, result, [String((event.detail as { published?: unknown } | null)?.published ?? '')], new Date());
  // Failed, or held by another invocation (a crashed one's claim ends with its deadline): throw, so Lambda retries.
  const failed = result.outcomes.find((o) => o.outcome === 'failed' || o.outcome === 'in-progress');
  if (failed) throw new Error(`Okta event ${failed.uuid} ${failed.outcome === 'failed' ? 'failed' : 'is in progress elsewhere'} and will be retried: ${failed.detail}`);
  return result;
});
