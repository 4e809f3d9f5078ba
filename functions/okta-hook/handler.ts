import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleOktaEvents } from '../../shared/offboarding/handle-okta-events.js';
import { handleHookRequest, secretMatches } from '../../shared/offboarding/okta-hook.js';
import { lambdaEventSink, lambdaHookSecret, lambdaRuntime } from '../../shared/runtime/lambda-runtime.js';
import { recordEvents } from '../../shared/runtime/metrics.js';
import { logger, withMiddleware } from '../../shared/runtime/middleware.js';

/** okta-hook: Okta Event Hook endpoint (Function URL): verification GET and event POSTs. */
export const handler = withMiddleware(async (event: APIGatewayProxyEventV2) => {
  // Okta waits 3 s for an answer; stop starting new work after 2 s (the rest goes to the poll).
  const deadline = Date.now() + (Number(process.env.OKTA_HOOK_BUDGET_MS) || 2000);
  // A public URL: an unauthenticated request is turned away before any other secret, client or table is touched.
  const secret = await lambdaHookSecret();
  if (!secretMatches(event.headers.authorization ?? event.headers.Authorization, secret)) {
    logger.info('okta hook request', { outcome: 'rejected: wrong or missing Authorization header', status: 401 });
    return { statusCode: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'Authorization header does not match the configured event hook secret' }) };
  }
  const { config, composition } = await lambdaRuntime();
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const { response, outcome } = await handleHookRequest({ method: event.requestContext.http.method, headers: event.headers, body }, secret, async (events) => {
    const result = await handleOktaEvents({ ...composition.ports, events: lambdaEventSink() }, config, events, 'hook', deadline);
    for (const o of result.outcomes) logger.info('okta event handled', { ...o });
    recordEvents('hook', events.length, result, events.map((e) => String((e as { published?: unknown } | null)?.published ?? '')), new Date());
    return result.outcomes;
  });
  logger.info('okta hook request', { outcome, status: response.statusCode });
  return response;
});
