import { lambdaEventSink, lambdaReportStore, lambdaSetup } from '../../composition/lambda-setup.js';
import { logger, withMiddleware } from '../../composition/middleware.js';
import { publishAccessReview } from '../../shared/reconcile/access-review.js';

/**
 * access-review: monthly (accessReviewSchedule), the organization's access review — JSON and the
 * HTML page — into the stack's bucket, then hf-iam-sync.AccessReviewReady on our bus.
 */
export const handler = withMiddleware(async () => {
  const { config, composition } = await lambdaSetup();
  const { json, html, review } = await publishAccessReview(
    { ...composition.ports, reports: lambdaReportStore(), events: lambdaEventSink() },
    config,
  );
  logger.info('access review written', { json, html, members: review.summary.members, flags: review.summary.byFlag });
  return { json, html, summary: review.summary };
});
