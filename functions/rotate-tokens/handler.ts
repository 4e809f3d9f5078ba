import { newRunId } from '../../composition/compose.js';
import { rotateTokens } from '../../shared/rotation/rotate-tokens.js';
import { parseRotateEvent } from '../../shared/rotation/rotate-event.js';
import { rotationSetup } from '../../composition/lambda-setup.js';
import { recordRotation } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';

/**
 * rotate-tokens: hourly schedule (each credential rotates when due: weekly by default) or a manual
 * invoke `{"credential"?: "…", "dryRun"?: true}`. A failed step does not fail the invocation: it is
 * recorded, alerted (event + RotationsFailed) and resumed by the next run.
 */
export const handler = withMiddleware(async (event: unknown) => {
  const request = parseRotateEvent(event);
  const { config, ports } = await rotationSetup();
  const report = await rotateTokens(ports, config.credentials, config.policy.organization, { ...request, runId: newRunId() });
  recordRotation(report, config.credentials);
  for (const r of report.results)
    logger[r.outcome === 'failed' ? 'error' : 'info']('credential', { runId: report.runId, trigger: request.trigger, ...r });
  logger.info('rotate-tokens finished', {
    runId: report.runId,
    dryRun: report.dryRun,
    overdue: report.overdue,
    orphans: report.orphans,
    orphanCheckError: report.orphanCheckError,
  });
  return report;
});
