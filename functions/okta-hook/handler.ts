import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleHookRequest, queueHookEvents } from '../../shared/offboarding/okta-hook.js';
import { lambdaEventQueue, lambdaHookSecret } from '../../composition/hook-setup.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/**
 * okta-hook: Okta Event Hook endpoint (Function URL). It authenticates, checks and queues; the
 * okta-event function does the work, so Okta gets its answer well within its 3 s.
 */
export const handler = withMiddleware(async (event: APIGatewayProxyEventV2) => {
  const secret = await lambdaHookSecret();
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const { response, outcome } = await handleHookRequest(
    { method: event.requestContext.http.method, headers: event.headers, body },
    secret,
    async (events) => {
      const outcomes = await queueHookEvents(lambdaEventQueue(), events);
      for (const o of outcomes) logger.info('okta hook event', { ...o });
      return outcomes;
    },
  );
  logger.info('okta hook request', { outcome, status: response.statusCode });
  return response;
});
