import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeForSandbox, startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import type { CloudWatchLogsStandIn } from '../../sandbox/aws/cloudwatch-logs-stand-in.js';
import { startAuditDestinations } from '../../sandbox/audit-destinations.js';
import { DynamoDbStreamPoller, enableStream } from '../../sandbox/aws/dynamodb-stream-poller.js';
import { bundledFunctionEnv, bundleFunction, startContainer, type Container } from '../../sandbox/bundled-function.js';
import type { DatadogIntakeStandIn } from '../../sandbox/datadog/datadog-intake-stand-in.js';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../../sandbox/dynamodb-local.js';
import { createDocumentClient, ensureTable } from '../../shared/adapters/dynamodb/table.js';
import type { AuditRecord } from '../../shared/domain/audit-record.js';
import { handleOktaEvents } from '../../shared/offboarding/handle-okta-events.js';
import { parseConfig } from '../../shared/runtime/config.js';
import { awsClientConfig } from '../../shared/runtime/aws-endpoint.js';
import { readStackFilterPatterns } from '../helpers/stack.js';

/**
 * The bundled audit-forwarder in a process of its own, as Lambda runs it, against DynamoDB Local's
 * stream (read with @aws-sdk/client-dynamodb-streams, filtered by the stack's own pattern), the Hub
 * stand-in's audit-log export, the CloudWatch Logs stand-in and the Datadog intake stand-in.
 */

const unavailable = dynamoDbLocalUnavailable();
const GROUP = '/hf-iam-sync/test/audit';
const DD_KEY = 'dd-key-not-a-secret-0123456789';
const SCHEDULED = {
  version: '0',
  id: 'tick',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  time: new Date().toISOString(),
  resources: [],
  detail: {},
};

let dynamo: { endpoint: string; stop: () => Promise<void> };
let bundleDir: string;
let bundle: string;

const region = process.env.AWS_REGION;
beforeAll(async () => {
  if (unavailable) return;
  // DynamoDB Local keeps a database per region and key: this process's clients and the bundle's use one.
  process.env.AWS_REGION = 'us-east-1';
  dynamo = await startDynamoDbLocal();
  bundleDir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-forwarder-'));
  bundle = join(bundleDir, 'audit-forwarder.cjs');
  await bundleFunction(resolve('functions/audit-forwarder/handler.ts'), bundle);
}, 120_000);
afterAll(async () => {
  if (region === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = region;
  await dynamo?.stop();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

interface World {
  sandbox: Sandbox;
  logs: CloudWatchLogsStandIn;
  intake: DatadogIntakeStandIn;
  streamArn: string;
  env: Record<string, string>;
  containers: Container[];
}
let w: World;

beforeEach(async () => {
  if (unavailable) return;
  const client = new DynamoDBClient(awsClientConfig(dynamo.endpoint));
  await client.send(new DeleteTableCommand({ TableName: 'hf-iam-sync' })).catch((e: unknown) => {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  });
  const sandbox = await startSandbox({ dynamo: { endpoint: dynamo.endpoint } });
  await ensureTable(createDocumentClient(dynamo.endpoint), 'hf-iam-sync');
  const streamArn = await enableStream(client, 'hf-iam-sync');
  client.destroy();
  const { logs, intake, env: destinations } = await startAuditDestinations(GROUP, DD_KEY);
  const env = await bundledFunctionEnv(bundleDir, sandbox.configText, {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    STATE_TABLE: 'hf-iam-sync',
    HF_TOKEN: sandbox.env.HF_TOKEN!,
    ...destinations,
    DATADOG_TAGS: 'env:test',
    AUDIT_LOOK_BACK: '1d',
  });
  w = { sandbox, logs, intake, streamArn, env, containers: [] };
});
afterEach(async () => {
  if (unavailable || !w) return;
  await Promise.all(w.containers.map((c) => c.stop()));
  await Promise.all([w.sandbox.stop(), w.logs.stop(), w.intake.stop()]);
});

/** A fresh execution environment of the bundled function. */
async function container(): Promise<Container> {
  const c = await startContainer(bundle, w.env);
  w.containers.push(c);
  return c;
}

/** Lambda's stream mapping, with the stack's filter, invoking `c`. */
async function poller(c: Container): Promise<DynamoDbStreamPoller> {
  return new DynamoDbStreamPoller(dynamo.endpoint, w.streamArn, async (event) => (await c.invoke(event)).result, {
    filters: await readStackFilterPatterns('audit-forwarder'),
    batchSize: 100,
  });
}

/** Our outcome events are not what this file is about (they have tests of their own). */
const noEvents = { publish: async () => undefined };
const cwRecords = () => w.logs.messages(GROUP).map((m) => JSON.parse(m) as AuditRecord);
const ddRecords = () => w.intake.entries.map((e) => JSON.parse(String(e.message)) as AuditRecord);
const ids = (records: AuditRecord[]) => records.map((r) => r.id);
const lastById = (records: AuditRecord[]) => new Map(records.map((r) => [r.id, r]));
const hubIds = () => w.sandbox.hub.auditLog.map((e) => `hub:${String(e._id)}`).sort();

/** An offboarding through the product (the Okta event → the Hub change), and a role change someone makes on the Hub by hand. */
async function offboardAndChangeByHand(): Promise<{ oktaUserId: string; oktaEventUuid: string; published: string }> {
  const config = parseConfig(w.sandbox.configText, 'config.yaml');
  const composition = await composeForSandbox(config, dynamo.endpoint);
  const linus = w.sandbox.okta.userByLogin('linus@acme.example');
  const event = w.sandbox.okta.deactivate(linus.id);
  const result = await handleOktaEvents({ ...composition.ports, events: noEvents }, config, [event], 'eventbridge');
  expect(result.offboarded).toEqual(['linus-t']);
  await composition.close();
  w.sandbox.hub.changeRoleByHand('ada-acme', 'mhamilton', 'admin');
  return { oktaUserId: linus.id, oktaEventUuid: event.uuid, published: event.published };
}

describe.skipIf(unavailable)('audit-forwarder (bundled, DynamoDB Local stream, CloudWatch Logs and Datadog stand-ins)', () => {
  it('delivers a Hub change by a person and one by hf-iam-sync once each, ours correlated with its run and Okta cause; our own records arrive from the stream', async () => {
    const { oktaUserId, oktaEventUuid, published } = await offboardAndChangeByHand();
    const c = await container();
    const stream = await poller(c);
    expect(await stream.pollOnce()).toBeGreaterThan(0);
    await c.invoke(SCHEDULED);
    await c.invoke(SCHEDULED); // nothing new: nothing sent twice
    await stream.stop();

    for (const [name, records] of [
      ['cloudwatch-logs', cwRecords()],
      ['datadog', ddRecords()],
    ] as const) {
      const hub = records.filter((r) => r.source === 'hub');
      expect(ids(hub).sort(), name).toEqual(hubIds());
      const offboarded = hub.find((r) => r.targetUser === 'linus-t' && r.after?.role === 'no_access')!;
      const own = lastById(records.filter((r) => r.source === 'hf-iam-sync'));
      const cause = [...own.values()].find((r) => r.targetUser === 'linus-t' && r.action === 'remove')!;
      expect(cause, name).toMatchObject({
        outcome: 'applied',
        ids: { oktaUserId, oktaEventUuid },
        oktaEvent: { uuid: oktaEventUuid, published },
      });
      expect(cause.oktaEvent!.delayMs).toBe(Date.parse(cause.time) - Date.parse(published));
      expect(offboarded.correlation, name).toEqual({
        madeBy: 'hf-iam-sync',
        runId: cause.ids.runId,
        changeSeq: cause.ids.changeSeq,
        trigger: 'event',
        cause: expect.stringContaining('event:'),
        oktaUserId,
        oktaEventUuid,
      });
      expect(offboarded.ids).toMatchObject({ runId: cause.ids.runId, oktaEventUuid });
      expect(hub.find((r) => r.targetUser === 'mhamilton')?.correlation, name).toEqual({ madeBy: 'out-of-band', author: 'ada-acme' });
    }
    expect(
      w.intake.entries.every((e) => e.ddsource === 'huggingface' && e.service === 'hf-iam-sync' && String(e.ddtags).includes('env:test')),
    ).toBe(true);
    expect(JSON.stringify([w.logs.messages(GROUP), w.intake.entries])).not.toContain(w.sandbox.env.HF_TOKEN);
  });

  it('killed between the two destinations (SIGKILL once CloudWatch stored the batch), loses nothing and shows a reader keyed by id nothing twice', async () => {
    await offboardAndChangeByHand();
    for (let i = 0; i < 40; i += 1) w.sandbox.hub.audit('repo.create', 'ada-acme', `Created repo acme/m-${i}`, { repo: `acme/m-${i}` });
    const first = await container();
    w.intake.latencyMs = 3_000; // Datadog has not answered when the process dies
    w.logs.afterPut = () => process.kill(first.pid, 'SIGKILL');
    await expect(first.invoke(SCHEDULED)).rejects.toThrow(/exited/);
    w.logs.afterPut = undefined;
    expect(new Set(ids(cwRecords())).size).toBeGreaterThan(0);
    expect(w.intake.entries).toHaveLength(0);

    w.intake.latencyMs = 0;
    await (await container()).invoke(SCHEDULED); // the next scheduled run, in a new environment
    const cw = cwRecords();
    expect([...new Set(ids(cw))].sort()).toEqual(hubIds());
    expect(ids(ddRecords()).sort()).toEqual(hubIds());
    // What CloudWatch got twice is the same record: a reader keyed by id sees it once.
    const seen = new Map<string, string>();
    for (const m of w.logs.messages(GROUP)) {
      const id = (JSON.parse(m) as AuditRecord).id;
      expect(seen.get(id) ?? m).toBe(m);
      seen.set(id, m);
    }
  });

  it('keeps CloudWatch flowing while Datadog answers 500 and 429, and Datadog catches up from its cursor and backlog', async () => {
    await offboardAndChangeByHand();
    w.intake.failNext = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? 500 : 429));
    const c = await container();
    const stream = await poller(c);
    await stream.pollOnce();
    const down = (await c.invoke(SCHEDULED)).result as {
      hub: Array<{ destination: string; error?: string }>;
      backlogs: Array<{ destination: string; backlogMs: number }>;
    };
    expect(down.hub.find((r) => r.destination === 'datadog')?.error).toMatch(/HTTP (500|429)/);
    // Our records that Datadog refused wait in its backlog, and their age is reported.
    expect(down.backlogs.find((r) => r.destination === 'datadog')?.backlogMs).toBeGreaterThan(0);
    expect(down.backlogs.find((r) => r.destination === 'cloudwatch-logs')?.backlogMs).toBe(0);
    // CloudWatch has everything already.
    expect([...new Set(ids(cwRecords().filter((r) => r.source === 'hub')))].sort()).toEqual(hubIds());
    const ownIds = [...new Set(ids(cwRecords().filter((r) => r.source === 'hf-iam-sync')))].sort();
    expect(ownIds.length).toBeGreaterThan(0);
    // More of our records while Datadog is down: they join its backlog, CloudWatch gets them at once.
    w.sandbox.hub.changeRoleByHand('ada-acme', 'kthompson', 'write');
    const config = parseConfig(w.sandbox.configText, 'config.yaml');
    const composition = await composeForSandbox(config, dynamo.endpoint);
    await handleOktaEvents(
      { ...composition.ports, events: noEvents },
      config,
      [w.sandbox.okta.deactivate(w.sandbox.okta.userByLogin('alan@acme.example').id)],
      'eventbridge',
    );
    await composition.close();
    await stream.pollOnce();
    expect(cwRecords().some((r) => r.targetUser === 'alan-t' && r.source === 'hf-iam-sync')).toBe(true);

    for (let i = 0; i < 4 && w.intake.failNext.length > 0; i += 1) await c.invoke(SCHEDULED);
    await c.invoke(SCHEDULED); // the intake answers again
    await stream.stop();
    const dd = ddRecords();
    expect([...new Set(ids(dd.filter((r) => r.source === 'hub')))].sort()).toEqual(hubIds());
    expect([...new Set(ids(dd.filter((r) => r.source === 'hf-iam-sync')))].sort()).toEqual(
      [...new Set(ids(cwRecords().filter((r) => r.source === 'hf-iam-sync')))].sort(),
    );
    expect(w.intake.requests.filter((r) => r.status >= 400).map((r) => r.status)).toEqual([500, 429, 500, 429, 500, 429]);
  });

  it("forwards 20,000 Hub events of one export in one scheduled run, in batches within both destinations' limits, each once", async () => {
    for (let i = 0; i < 20_000; i += 1)
      w.sandbox.hub.audit('repo.update_settings', i % 7 === 0 ? 'ada-acme' : 'grace-h', `Updated repo acme/model-${i}`, {
        repo: `acme/model-${i}`,
      });
    const result = (await (await container()).invoke(SCHEDULED, 240_000)).result as {
      hub: Array<{ destination: string; delivered: number; error?: string }>;
    };
    expect(result.hub).toEqual([
      expect.objectContaining({ destination: 'cloudwatch-logs', delivered: 20_000 }),
      expect.objectContaining({ destination: 'datadog', delivered: 20_000 }),
    ]);
    expect(result.hub.every((r) => r.error === undefined)).toBe(true);
    const cw = ids(cwRecords());
    expect(cw).toHaveLength(20_000);
    expect(new Set(cw).size).toBe(20_000);
    // The stand-in refuses a call over 10,000 events or 1 MiB (and out of order): every call was accepted, and there were several.
    expect(w.logs.puts.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...w.logs.puts.map((p) => p.events))).toBeLessThanOrEqual(10_000);
    expect(w.intake.requests.every((r) => r.status === 202 && r.entries <= 1_000)).toBe(true);
    expect(new Set(ids(ddRecords())).size).toBe(20_000);
  }, 120_000);
});
