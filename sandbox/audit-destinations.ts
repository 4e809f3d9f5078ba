import { CloudWatchLogsClient, CreateLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { awsClientConfig } from '../shared/runtime/aws-endpoint.js';
import { CloudWatchLogsStandIn } from './aws/cloudwatch-logs-stand-in.js';
import { DatadogIntakeStandIn } from './datadog/datadog-intake-stand-in.js';

/**
 * The audit forwarder's two destinations as stand-ins: CloudWatch Logs with the stack's log group
 * (made as CloudFormation would, its retention set), and Datadog's logs intake; `env` is what the
 * forwarder reads to reach them.
 */
export async function startAuditDestinations(group: string, datadogKey: string) {
  const logs = new CloudWatchLogsStandIn();
  await logs.start();
  const cw = new CloudWatchLogsClient(awsClientConfig(logs.baseUrl));
  await cw.send(new CreateLogGroupCommand({ logGroupName: group }));
  await cw.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 400 }));
  cw.destroy();
  const intake = new DatadogIntakeStandIn(datadogKey);
  await intake.start();
  const env = { AUDIT_LOG_GROUP: group, CLOUDWATCH_LOGS_ENDPOINT: logs.baseUrl, DATADOG_API_KEY: datadogKey, DATADOG_SITE: intake.baseUrl };
  return { logs, intake, env, stop: async () => void (await Promise.all([logs.stop(), intake.stop()])) };
}
