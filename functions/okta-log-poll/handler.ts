import { pollOktaLogs } from '../../shared/offboarding/poll-okta-logs.js';
import { lambdaEventSink, lambdaSetup } from '../../composition/lambda-setup.js';
import { recordReceived } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/** okta-log-poll: every minute, read the System Log from the persisted cursor and handle what is new. */
export const handler = withMiddleware(async () => {
  const { config, composition } = await lambdaSetup();
  const result = await pollOktaLogs({ ...composition.ports, events: lambdaEventSink() }, config);
  const count = (o: string) => result.outcomes.filter((x) => x.outcome === o).length;
  recordReceived('poll', result.events);
  logger.info('okta log poll', {
    pages: result.pages,
    events: result.events,
    caughtUp: result.caughtUp,
    processed: count('processed'),
    duplicates: count('duplicate'),
    inProgress: count('in-progress'),
    ignored: count('ignored'),
    rejected: count('rejected'),
    failed: count('failed'),
  });
  const failed = result.outcomes.find((o) => o.outcome === 'failed');
  if (failed) throw new Error(`Okta event ${failed.uuid} failed; the cursor stays before it and the next poll retries: ${failed.detail}`);
  return { pages: result.pages, events: result.events, caughtUp: result.caughtUp };
});
