import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { auditForwarderSetup } from '../../composition/audit-forwarder-setup.js';
import { recordForwarding, recordOwnForwarding } from '../../composition/metrics.js';
import { logger, withMiddleware } from '../../composition/middleware.js';
import { forwardHubAudit } from '../../shared/audit-stream/forward-hub-audit.js';
import { drainBacklogs, forwardOwnRecords } from '../../shared/audit-stream/forward-own-records.js';
import { parseForwarderEvent } from '../../shared/audit-stream/forwarder-event.js';
import { describeError } from '../../shared/runtime/errors.js';

/**
 * audit-forwarder: the Hub's audit log and our own audit records, to CloudWatch Logs and Datadog.
 *
 * - From the table's DynamoDB Stream (audit items only, by the mapping's filter): the batch's
 *   records to every destination at once; a destination that is down gets them in its backlog. Only
 *   a backlog that cannot be written fails the batch (reported from its first record: the stream
 *   delivers it again, the same ids).
 * - On its schedule (auditForwardSchedule, every 5 minutes): the Hub's new audit events to each
 *   destination from its own cursor, and the backlogs drained; `AuditBacklogAge` says how far the
 *   furthest-behind destination is (the AuditBacklog alarm). A destination that fails is reported
 *   and retried at the next run; a Hub that cannot be read fails the invocation.
 */
export const handler = withMiddleware(
  async (event: Partial<DynamoDBStreamEvent>): Promise<DynamoDBBatchResponse | Record<string, unknown>> => {
    const parsed = parseForwarderEvent<DynamoDBRecord>(event);
    const setup = await auditForwarderSetup();
    if (parsed.kind === 'stream') {
      const batch = setup.recordsOf(parsed.records);
      try {
        const deliveries = await forwardOwnRecords(setup.own, setup.organization, batch);
        recordOwnForwarding(deliveries);
        logger.info('own audit records forwarded', { records: batch.length, deliveries });
        return { batchItemFailures: [] };
      } catch (error) {
        logger.error('own audit records not forwarded: the stream delivers the batch again', {
          records: batch.length,
          error: describeError(error),
        });
        const first = parsed.records[0]?.dynamodb?.SequenceNumber;
        return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
      }
    }
    // Settled both: a Hub that cannot be read still lets the backlogs drain before the invocation fails.
    const [hubRun, drained] = await Promise.allSettled([
      forwardHubAudit(setup.hub.ports, setup.hub.settings),
      drainBacklogs(setup.own, setup.organization),
    ]);
    if (hubRun.status === 'rejected') throw hubRun.reason;
    if (drained.status === 'rejected') throw drained.reason;
    const [hub, backlogs] = [hubRun.value, drained.value];
    recordForwarding(hub, backlogs);
    logger.info('audit forwarded', { hub, backlogs });
    return { hub, backlogs };
  },
);
