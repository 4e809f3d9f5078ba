import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { composeAuditForwarder } from '../composition/audit-forwarder-setup.js';
import { DynamoDbStreamPoller, enableStream } from '../sandbox/aws/dynamodb-stream-poller.js';
import { bundledFunctionEnv, bundleFunction, startContainer } from '../sandbox/bundled-function.js';
import { startAuditDestinations } from '../sandbox/audit-destinations.js';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../sandbox/dynamodb-local.js';
import { startSandbox } from '../sandbox/sandbox.js';
import { changeItem } from '../shared/adapters/dynamodb/table-ops.js';
import { createDocumentClient, ensureTable } from '../shared/adapters/dynamodb/table.js';
import { forwardHubAudit } from '../shared/audit-stream/forward-hub-audit.js';
import { forwardOwnRecords } from '../shared/audit-stream/forward-own-records.js';
import { recordOfChange, type AuditRecord } from '../shared/domain/audit-record.js';
import type { ChangeRecord } from '../shared/ports/audit-trail.js';
import { awsClientConfig } from '../shared/runtime/aws-endpoint.js';
import { parseConfig } from '../shared/runtime/config.js';

/**
 * The audit forwarder: throughput through both stand-ins (CloudWatch Logs and Datadog), the delay
 * from a Hub event to its CloudWatch record under the default 5-minute schedule, and the delay of
 * our own records through the table's stream (DynamoDB Local, Lambda's polling and batching
 * window, the bundled function in its own process).
 */

const HUB_EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 20_000);
const OWN_RECORDS = 10_000;
const SCHEDULE_S = 300;
const GROUP = '/hf-iam-sync/bench/audit';
const DD_KEY = 'dd-key-not-a-secret-0123456789';
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const line = (label: string, text: string) => console.log(`  ${label.padEnd(38)} ${text}`);

async function destinations() {
  const started = await startAuditDestinations(GROUP, DD_KEY);
  return { ...started, env: { ...started.env, AUDIT_LOOK_BACK: '1d' } };
}

const change = (seq: number, at: string): ChangeRecord => ({
  runId: 'r-bench',
  seq,
  organization: 'acme',
  user: `p${seq}`,
  oktaUserId: `00u${seq}`,
  action: 'remove',
  effect: 'revoke',
  before: { role: 'write', resourceGroups: [] },
  after: { role: 'no_access', resourceGroups: [] },
  reasons: ['Okta status is DEPROVISIONED'],
  trigger: 'event',
  actor: 'eventbridge:okta-admin',
  outcome: 'applied',
  at,
});

/** Hub events of one export through both destinations, then our own records in stream-sized batches; and the scheduled runs' durations. */
async function throughput() {
  const sandbox = await startSandbox();
  const dest = await destinations();
  try {
    const config = parseConfig(sandbox.configText, 'bench.yaml');
    const setup = await composeAuditForwarder(
      config,
      { table: 'hf-iam-sync', endpoint: sandbox.dynamoEndpoint },
      { ...dest.env, HF_TOKEN: sandbox.env.HF_TOKEN },
    );
    for (let i = 0; i < HUB_EVENTS; i += 1)
      sandbox.hub.audit('repo.update_settings', 'ada-acme', `Updated repo acme/model-${i}`, { repo: `acme/model-${i}` });
    let started = performance.now();
    const reports = await forwardHubAudit(setup.hub.ports, setup.hub.settings);
    const hubS = (performance.now() - started) / 1000;
    if (reports.some((r) => r.delivered !== HUB_EVENTS)) throw new Error(`forwarded ${JSON.stringify(reports)}`);
    const own: AuditRecord[] = Array.from({ length: OWN_RECORDS }, (_, i) => recordOfChange(change(i + 1, new Date().toISOString())));
    started = performance.now();
    for (let i = 0; i < own.length; i += 100) await forwardOwnRecords(setup.own, 'acme', own.slice(i, i + 100));
    const ownS = (performance.now() - started) / 1000;
    // Scheduled runs as they are in steady state: the export holds what was forwarded already, 100 events are new.
    const runs: number[] = [];
    for (let r = 0; r < 20; r += 1) {
      for (let i = 0; i < 100; i += 1)
        sandbox.hub.audit('org.change_role', 'ada-acme', 'Changed role', { user: `p${i}`, oldRole: 'read', role: 'write' });
      started = performance.now();
      await forwardHubAudit(setup.hub.ports, setup.hub.settings);
      runs.push((performance.now() - started) / 1000);
    }
    return { hubS, ownS, runs, puts: dest.logs.puts.length, ddRequests: dest.intake.requests.length };
  } finally {
    await Promise.all([sandbox.stop(), dest.stop()]);
  }
}

/** Our records written to DynamoDB Local one every 50 ms; each one's delay from its write to CloudWatch's ingestion. */
async function ownDelay(): Promise<number[] | string> {
  const skip = dynamoDbLocalUnavailable();
  if (skip) return skip;
  const region = process.env.AWS_REGION;
  process.env.AWS_REGION = 'us-east-1';
  const dynamo = await startDynamoDbLocal();
  const sandbox = await startSandbox({ dynamo: { endpoint: dynamo.endpoint } });
  const dest = await destinations();
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-bench-forwarder-'));
  const doc = createDocumentClient(dynamo.endpoint);
  try {
    await ensureTable(doc, 'hf-iam-sync');
    const client = new DynamoDBClient(awsClientConfig(dynamo.endpoint));
    const streamArn = await enableStream(client, 'hf-iam-sync');
    client.destroy();
    await bundleFunction(resolve('functions/audit-forwarder/handler.ts'), join(dir, 'audit-forwarder.cjs'));
    const env = await bundledFunctionEnv(dir, sandbox.configText, {
      ...dest.env,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      STATE_TABLE: 'hf-iam-sync',
      HF_TOKEN: sandbox.env.HF_TOKEN!,
    });
    const container = await startContainer(join(dir, 'audit-forwarder.cjs'), env);
    // As the stack's mapping: batches of 100 or what one second brings, shards polled four times a second.
    const poller = new DynamoDbStreamPoller(dynamo.endpoint, streamArn, async (event) => (await container.invoke(event)).result, {
      batchSize: 100,
      batchWindowMs: 1_000,
      pollMs: 250,
    });
    poller.start();
    await container.invoke({ source: 'aws.events' }); // the environment is warm, as a busy one is
    const written = new Map<string, number>();
    for (let i = 1; i <= 200; i += 1) {
      const record = change(i, new Date().toISOString());
      await doc.send(new PutCommand({ TableName: 'hf-iam-sync', Item: changeItem(record) }));
      written.set(`hf-iam-sync:r-bench/${i}`, Date.now());
      await new Promise((r) => setTimeout(r, 50));
    }
    const arrived = () => [...(dest.logs.groups.get(GROUP)?.streams.values() ?? [])].flat().filter((e) => e.message.includes('r-bench'));
    for (let i = 0; i < 400 && new Set(arrived().map((e) => (JSON.parse(e.message) as AuditRecord).id)).size < written.size; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    await poller.stop();
    await container.stop();
    const first = new Map<string, number>();
    for (const e of arrived()) {
      const id = (JSON.parse(e.message) as AuditRecord).id;
      if (!first.has(id)) first.set(id, e.ingestionTime);
    }
    if (first.size < written.size) throw new Error(`${written.size - first.size} of our records never reached CloudWatch`);
    return [...written].map(([id, at]) => first.get(id)! - at);
  } finally {
    doc.destroy();
    await Promise.all([sandbox.stop(), dest.stop(), dynamo.stop()]);
    await rm(dir, { recursive: true, force: true });
    if (region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = region;
  }
}

export async function runAuditForwardingBench(): Promise<void> {
  const t = await throughput();
  console.log(
    `\naudit forwarding: ${HUB_EVENTS.toLocaleString('en-US')} Hub events of one export and ${OWN_RECORDS.toLocaleString('en-US')} of our records, to the CloudWatch Logs and Datadog stand-ins`,
  );
  line(
    'Hub events, both destinations',
    `${Math.round(HUB_EVENTS / t.hubS).toLocaleString('en-US')} records/s (${t.hubS.toFixed(1)} s; ${t.puts} PutLogEvents calls, ${t.ddRequests} Datadog requests in all)`,
  );
  line('our records, batches of 100', `${Math.round(OWN_RECORDS / t.ownS).toLocaleString('en-US')} records/s (${t.ownS.toFixed(1)} s)`);
  // An event waits for the next scheduled run, then that run's time: events arrive at random in the 5 minutes.
  const delays = Array.from({ length: 10_000 }, (_, i) => (SCHEDULE_S * ((i * 7919) % 10_000)) / 10_000 + t.runs[i % t.runs.length]!);
  const hubP99 = percentile(delays, 99);
  line(
    'Hub event → CloudWatch, rate(5 minutes)',
    `p50 ${percentile(delays, 50).toFixed(0)} s, p99 ${hubP99.toFixed(0)} s (target p99 ≤ 360 s) ${hubP99 <= 360 ? '✓' : '✗'}; a run with 100 new events: p50 ${(percentile(t.runs, 50) * 1000).toFixed(0)} ms, max ${(Math.max(...t.runs) * 1000).toFixed(0)} ms`,
  );
  const own = await ownDelay();
  if (typeof own === 'string') {
    line('our record → CloudWatch (stream)', `skipped: ${own}`);
    return;
  }
  const ownP99 = percentile(own, 99) / 1000;
  line(
    'our record → CloudWatch (stream)',
    `p50 ${(percentile(own, 50) / 1000).toFixed(1)} s, p99 ${ownP99.toFixed(1)} s (target p99 ≤ 10 s) ${ownP99 <= 10 ? '✓' : '✗'}; 200 written 50 ms apart, DynamoDB Local's stream`,
  );
}
