import { EventBridgeSink } from '../shared/adapters/eventbridge/eventbridge-sink.js';
import type { EventSink } from '../shared/ports/event-sink.js';
import { awsClientConfig } from '../shared/runtime/aws-endpoint.js';
import { ConfigError } from '../shared/runtime/errors.js';

/** The bus our own events go to: EVENT_BUS_NAME, with EVENTBRIDGE_ENDPOINT for a local server. */
export function composeEventSink(env: Readonly<Record<string, string | undefined>>): EventSink {
  const bus = env.EVENT_BUS_NAME?.trim();
  if (!bus)
    throw new ConfigError([
      'EVENT_BUS_NAME is not set (the EventBridge bus that receives hf-iam-sync.MemberOffboarded and the rotation alerts)',
    ]);
  const endpoint = env.EVENTBRIDGE_ENDPOINT?.trim();
  return new EventBridgeSink(
    async () => new (await import('@aws-sdk/client-eventbridge')).EventBridgeClient(awsClientConfig(endpoint, env)),
    bus,
  );
}
