import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogsDestination } from '../shared/adapters/cloudwatch-logs/cloudwatch-destination.js';
import { DatadogDestination } from '../shared/adapters/datadog/datadog-destination.js';
import { DynamoDbForwarderCursors } from '../shared/adapters/dynamodb/forwarder-cursors.js';
import { DynamoDbAuditTrail } from '../shared/adapters/dynamodb/audit-trail.js';
import { TableOps } from '../shared/adapters/dynamodb/table-ops.js';
import { auditRecordsOf, type StreamRecord } from '../shared/adapters/dynamodb/stream-records.js';
import { createDocumentClient, ensureTable } from '../shared/adapters/dynamodb/table.js';
import { resolveSecretEnv } from '../shared/adapters/secrets-manager/resolve-secret-env.js';
import type { ForwardHubPorts, ForwardHubSettings } from '../shared/audit-stream/forward-hub-audit.js';
import type { ForwardOwnPorts } from '../shared/audit-stream/forward-own-records.js';
import { parseDuration } from '../shared/domain/credentials.js';
import type { AuditRecord } from '../shared/domain/audit-record.js';
import type { AuditDestination } from '../shared/ports/audit-destination.js';
import { awsClientConfig } from '../shared/runtime/aws-endpoint.js';
import type { Config, StateLocation } from '../shared/runtime/config-model.js';
import { ConfigError } from '../shared/runtime/errors.js';
import { composeHub } from './compose.js';
import { perContainerUntilFailure } from './container-cache.js';
import { packagedConfig } from './packaged-config.js';

/**
 * The audit-forwarder's wiring: the destinations its environment names, the forwarder's cursors
 * and backlogs on the state table, our audit trail (for correlation) and the Hub (its audit-log
 * export, read with HF_TOKEN). Built once per container.
 *
 *   AUDIT_LOG_GROUP                 the CloudWatch Logs group the stack owns (CLOUDWATCH_LOGS_ENDPOINT: a local server)
 *   DATADOG_API_KEY[_SECRET_ARN]    turns Datadog on; DATADOG_SITE (default datadoghq.com), DATADOG_TAGS (comma-separated)
 *   AUDIT_LOOK_BACK                 where a destination's first Hub read starts (default 1d; 30m, 12h, 7d)
 */

export interface AuditForwarderSetup {
  organization: string;
  hub: { ports: ForwardHubPorts; settings: ForwardHubSettings };
  own: ForwardOwnPorts;
  /** The audit records of a stream batch (its other items skipped). */
  recordsOf: (records: readonly StreamRecord[]) => AuditRecord[];
}

/** What the environment says about the destinations; every problem at once. */
export function readForwarderEnv(env: Readonly<Record<string, string | undefined>>) {
  const problems: string[] = [];
  const logGroup = env.AUDIT_LOG_GROUP?.trim() || undefined;
  const datadogKey = env.DATADOG_API_KEY?.trim() || env.DATADOG_API_KEY_SECRET_ARN?.trim() || undefined;
  const site = env.DATADOG_SITE?.trim() || 'datadoghq.com';
  if (!/^(https?:\/\/\S+|[a-z0-9.-]+\.[a-z]{2,})$/i.test(site))
    problems.push(`DATADOG_SITE "${site}" is not a Datadog site (datadoghq.com, datadoghq.eu, us3.datadoghq.com, …)`);
  const tags = (env.DATADOG_TAGS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const badTag = tags.find((t) => !/^[a-z][\w.:/-]*$/i.test(t));
  if (badTag)
    problems.push(
      `DATADOG_TAGS holds "${badTag}": a Datadog tag starts with a letter and holds letters, digits, _ - : . / (e.g. env:prod,team:security)`,
    );
  const lookBack = env.AUDIT_LOOK_BACK?.trim() || '1d';
  const lookBackMs = parseDuration(lookBack);
  if (lookBackMs === undefined) problems.push(`AUDIT_LOOK_BACK "${lookBack}" is not a duration (30m, 12h, 1d, 7d)`);
  if (!logGroup && !datadogKey)
    problems.push('no audit destination: set AUDIT_LOG_GROUP (CloudWatch Logs) or DATADOG_API_KEY / DATADOG_API_KEY_SECRET_ARN (Datadog)');
  if (problems.length > 0) throw new ConfigError(problems);
  return { logGroup, datadog: datadogKey ? { site, tags } : undefined, lookBackMs: lookBackMs! };
}

/** The wiring for a configuration and a table; tests and the bench build it the same way. */
export async function composeAuditForwarder(
  config: Config,
  location: StateLocation,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AuditForwarderSetup> {
  const settings = readForwarderEnv(env);
  const secrets = await resolveSecretEnv(env, ['HF_TOKEN', ...(settings.datadog ? (['DATADOG_API_KEY'] as const) : [])]);
  const problems = [
    ...(secrets.HF_TOKEN ? [] : ["HF_TOKEN (or HF_TOKEN_SECRET_ARN) is not set: the token the Hub's audit log is exported with"]),
    ...(settings.datadog && !secrets.DATADOG_API_KEY
      ? ['DATADOG_API_KEY_SECRET_ARN names an empty secret: store the Datadog API key in it']
      : []),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const doc = createDocumentClient(location.endpoint);
  if (location.endpoint) await ensureTable(doc, location.table);
  const destinations: AuditDestination[] = [];
  if (settings.logGroup)
    destinations.push(
      new CloudWatchLogsDestination(new CloudWatchLogsClient(awsClientConfig(env.CLOUDWATCH_LOGS_ENDPOINT, env)), settings.logGroup),
    );
  if (settings.datadog) destinations.push(new DatadogDestination({ ...settings.datadog, apiKey: secrets.DATADOG_API_KEY! }));
  const cursors = new DynamoDbForwarderCursors(doc, location.table);
  const clock = () => new Date();
  const organization = config.policy.organization;
  return {
    organization,
    hub: {
      ports: {
        hub: composeHub(config, secrets.HF_TOKEN!),
        trail: new DynamoDbAuditTrail(new TableOps(doc, location.table)),
        cursors,
        destinations,
        clock,
      },
      settings: { organization, tokenLast4: secrets.HF_TOKEN!.slice(-4), lookBackMs: settings.lookBackMs },
    },
    own: { cursors, destinations, clock },
    recordsOf: (records) => auditRecordsOf(records, organization).map((r) => r.record),
  };
}

const lambda = perContainerUntilFailure('audit-forwarder-setup', async (env: NodeJS.ProcessEnv) => {
  const { config, location } = await packagedConfig(env);
  return composeAuditForwarder(config, location, env);
});

/** The Lambda function's wiring, once per container (a failed start is not kept). */
export function auditForwarderSetup(env: NodeJS.ProcessEnv = process.env): Promise<AuditForwarderSetup> {
  return lambda(env);
}
