import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsEventQueue } from '../shared/adapters/sqs/sqs-event-queue.js';
import type { EventQueue } from '../shared/ports/event-queue.js';
import { awsClientConfig } from '../shared/runtime/aws-endpoint.js';
import { ConfigError } from '../shared/runtime/errors.js';
import { requiredSecret } from './once.js';
import { perContainer, perContainerUntilFailure } from './container-cache.js';

/**
 * okta-hook's whole wiring: its secret and the event queue. Nothing here loads the Okta SDK, the
 * Hub client or DynamoDB — the hook must answer Okta within 3 s, cold start included.
 */

const hookSecret = perContainerUntilFailure('hook-secret', (env: NodeJS.ProcessEnv) =>
  requiredSecret(
    env,
    'OKTA_HOOK_SECRET',
    'OKTA_HOOK_SECRET (or OKTA_HOOK_SECRET_SECRET_ARN) is not set: the Authorization value configured on the Okta event hook',
  ),
);

/**
 * The event hook's secret alone (OKTA_HOOK_SECRET, or through OKTA_HOOK_SECRET_SECRET_ARN): what
 * okta-hook needs to turn away an unauthenticated request before it builds anything else.
 */
export function lambdaHookSecret(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return hookSecret(env);
}

/** The queue okta-event consumes (OKTA_EVENTS_QUEUE_URL; SQS_ENDPOINT for a local stand-in). */
export function lambdaEventQueue(env: NodeJS.ProcessEnv = process.env): EventQueue {
  const url = env.OKTA_EVENTS_QUEUE_URL?.trim();
  if (!url) throw new ConfigError(['OKTA_EVENTS_QUEUE_URL is not set (the SQS queue okta-event consumes)']);
  return perContainer('event-queue', () => new SqsEventQueue(new SQSClient(awsClientConfig(env.SQS_ENDPOINT?.trim(), env)), url));
}
