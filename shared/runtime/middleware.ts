import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { metrics } from './metrics.js';
import type { Context } from 'aws-lambda';
import { AppError, describeError } from './errors.js';

/**
 * The one middy stack every function uses: Powertools' structured JSON logger with the Lambda
 * context injected, Powertools metrics flushed after each invocation, and an error hook that logs our errors as data (name, message — never a
 * secret, by construction of the errors module) before Lambda sees the throw.
 */

export const logger = new Logger({ serviceName: 'hf-iam-sync' });

export function withMiddleware<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics))
    .use({
      onError: async (request) => {
        const error = request.error;
        logger.error('invocation failed', { errorName: error?.name, errorMessage: describeError(error), ours: error instanceof AppError });
      },
    });
}
