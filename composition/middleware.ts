import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { metrics } from './metrics.js';
import type { Context } from 'aws-lambda';
import { AppError, describeError } from '../shared/runtime/errors.js';
import { withDeadline } from '../shared/runtime/deadline.js';

/**
 * The one middy stack every function uses: Powertools' structured JSON logger with the Lambda
 * context injected, Powertools metrics flushed after each invocation, an error hook that logs our errors as data (name, message — never a
 * secret, by construction of the errors module) before Lambda sees the throw, and the invocation's
 * deadline for everything the handler starts.
 */

export const logger = new Logger({ serviceName: 'hf-iam-sync' });

/** Kept back from the invocation's end: time to record where a run stopped and to answer. */
const DEADLINE_MARGIN_MS = 5_000;

export function withMiddleware<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  // Every request, wait and lease of the invocation ends before Lambda stops it (see deadline.ts).
  const bounded = (event: E, context: Context) =>
    withDeadline(Date.now() + Math.max(1_000, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS), () => handler(event, context));
  return middy(bounded)
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics))
    .use({
      onError: async (request) => {
        const error = request.error;
        logger.error('invocation failed', { errorName: error?.name, errorMessage: describeError(error), ours: error instanceof AppError });
      },
    });
}
