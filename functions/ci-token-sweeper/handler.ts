import { ciTokenSetup } from '../../composition/ci-token-setup.js';
import { recordSweep } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';
import { sweepCiTokens } from '../../shared/ci-tokens/sweep-ci-tokens.js';

/**
 * ci-token-sweeper: every minute (ciSweepSchedule), deletes each broker token at its TTL, the
 * tokens of removed policies, and any token of a broker-managed service account that no record
 * explains. A sweep that cannot reach the Hub fails the invocation (the CiSweepFailing alarm).
 */
export const handler = withMiddleware(async () => {
  const { settings, sweep } = await ciTokenSetup();
  const report = await sweepCiTokens(await sweep(), settings).catch((error: unknown) => {
    recordSweep(null);
    throw error;
  });
  recordSweep(report);
  logger.info('ci tokens swept', {
    runId: report.runId,
    live: report.live,
    deleted: report.deleted,
    orphansDeleted: report.orphansDeleted,
  });
  return report;
});
