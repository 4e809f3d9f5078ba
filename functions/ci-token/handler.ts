import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ciTokenSetup } from '../../composition/ci-token-setup.js';
import { recordExchange } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';
import { exchangeCiToken } from '../../shared/ci-tokens/exchange-token.js';
import { parseExchange } from '../../shared/ci-tokens/exchange-request.js';
import { exchangeResponse, httpRequestOf } from '../../shared/ci-tokens/exchange-response.js';

/**
 * ci-token: the CI token broker behind a Function URL (auth NONE: the OIDC ID token is the
 * credential). RFC 8693 token exchange in, a Hub token that dies at its policy's TTL out.
 */
export const handler = withMiddleware(async (event: APIGatewayProxyEventV2) => {
  const parsed = parseExchange(httpRequestOf(event));
  const { ports, settings } = await ciTokenSetup();
  const outcome = await exchangeCiToken(ports, settings, parsed);
  recordExchange(outcome);
  logger[outcome.kind === 'issued' ? 'info' : 'warn']('ci token exchange', exchangeLog(outcome));
  return exchangeResponse(outcome);
});

function exchangeLog(outcome: Awaited<ReturnType<typeof exchangeCiToken>>): Record<string, unknown> {
  if (outcome.kind === 'issued')
    return {
      outcome: 'issued',
      policy: outcome.record.policy,
      tokenId: outcome.record.tokenId,
      runId: outcome.record.runId,
      claims: outcome.record.claims,
    };
  return {
    outcome: outcome.kind,
    status: outcome.status,
    description: outcome.description,
    ...('error' in outcome ? { error: outcome.error } : {}),
  };
}
