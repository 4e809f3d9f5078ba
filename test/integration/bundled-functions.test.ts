import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeStandIn } from '../../sandbox/aws/eventbridge-stand-in.js';
import { SqsStandIn } from '../../sandbox/aws/sqs-stand-in.js';
import { bundledFunctionEnv, bundleFunction, coldInvoke } from '../../sandbox/bundled-function.js';
import { composeForSandbox, startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { computePlan } from '../../shared/domain/compute-plan.js';
import { readInputs } from '../../shared/reconcile/read-inputs.js';
import { parseConfig } from '../../shared/runtime/config.js';

/**
 * The functions as packaged (bundled, with the Okta SDK trimmed to the APIs the product calls), each
 * run in a fresh Node process against the sandbox: the trimmed SDK still reads Okta through its
 * own client, and the hook's bundle carries neither Okta nor DynamoDB.
 */

let dir: string;
let sandbox: Sandbox;
let bus: EventBridgeStandIn;
let sqs: SqsStandIn;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-bundles-'));
  sandbox = await startSandbox();
  bus = new EventBridgeStandIn();
  sqs = new SqsStandIn();
  await Promise.all([bus.start(), sqs.start()]);
  env = await bundledFunctionEnv(dir, sandbox.configText, {
    ...sandbox.env,
    EVENT_BUS_NAME: 'bundles',
    EVENTBRIDGE_ENDPOINT: bus.baseUrl,
    OKTA_HOOK_SECRET: 'hook-secret',
    OKTA_EVENTS_QUEUE_URL: sqs.createQueue('okta-events'),
    SQS_ENDPOINT: sqs.baseUrl,
  });
}, 60_000);
afterAll(async () => {
  await Promise.all([sandbox.stop(), bus.stop(), sqs.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('the bundled functions', () => {
  it("okta-event, with the Okta SDK trimmed to the APIs used, offboards through the SDK's own client", async () => {
    const size = await bundleFunction(resolve('functions/okta-event/handler.ts'), join(dir, 'okta-event.cjs'));
    expect(size).toBeLessThan(5 * 1024 * 1024); // the whole SDK made it 6 MB
    const event = sandbox.okta.deactivate(sandbox.okta.userByLogin('linus@acme.example').id);
    const { result } = await coldInvoke(
      join(dir, 'okta-event.cjs'),
      { 'detail-type': 'SystemLog', source: 'aws.partner/okta.com/x/y', detail: event },
      env,
    );
    expect(result).toMatchObject({ offboarded: ['linus-t'] });
    expect(sandbox.hub.member('linus-t')?.role).toBe('no_access');
    expect(bus.received.map((e) => e.detailType)).toEqual(['hf-iam-sync.MemberOffboarded']);
  }, 60_000);

  it('okta-hook queues a delivery; its bundle holds neither the Okta SDK nor the DynamoDB client', async () => {
    const file = join(dir, 'okta-hook.cjs');
    const size = await bundleFunction(resolve('functions/okta-hook/handler.ts'), file);
    const text = await (await import('node:fs/promises')).readFile(file, 'utf8');
    expect(text).not.toContain('okta-sdk-nodejs');
    expect(text).not.toContain('DynamoDBClient');
    expect(size).toBeLessThan(1024 * 1024);
    const event = sandbox.okta.deactivate(sandbox.okta.userByLogin('ken@acme.example').id);
    const request = {
      requestContext: { http: { method: 'POST' } },
      headers: { authorization: 'hook-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ data: { events: [event] } }),
      isBase64Encoded: false,
    };
    const { result } = await coldInvoke(file, request, env);
    expect(result).toMatchObject({ statusCode: 200 });
    expect(sqs.bodies('okta-events').map((b) => JSON.parse(b).event.uuid)).toEqual([event.uuid]);
  }, 60_000);

  it('reconcile, with every Okta read of a plan going through the trimmed SDK (groups, their members, users), plans as the unbundled code does', async () => {
    const file = join(dir, 'reconcile.cjs');
    await bundleFunction(resolve('functions/reconcile/handler.ts'), file);
    const { result } = (await coldInvoke(file, { dryRun: true, actor: 'bundles' }, env)) as {
      result: { outcome: string; plan: { changes: Array<{ user: string }> } };
    };
    const { ports, close } = await composeForSandbox(parseConfig(sandbox.configText, 'config.yaml'), sandbox.dynamoEndpoint);
    const expected = computePlan(await readInputs(ports, parseConfig(sandbox.configText, 'config.yaml'), { kind: 'organization' }));
    await close();
    expect(result.outcome).toBe('planned');
    expect(result.plan.changes.map((c) => c.user).sort()).toEqual(expected.changes.map((c) => c.user).sort());
    expect(expected.changes.length).toBeGreaterThan(0);
  }, 60_000);

  it('okta-log-poll reads the System Log through the trimmed SDK and offboards whoever it finds deactivated', async () => {
    const file = join(dir, 'okta-log-poll.cjs');
    await bundleFunction(resolve('functions/okta-log-poll/handler.ts'), file);
    sandbox.okta.deactivate(sandbox.okta.userByLogin('grace@acme.example').id);
    const { result } = (await coldInvoke(file, {}, env)) as { result: { events: number } };
    expect(result.events).toBeGreaterThan(0);
    expect(sandbox.hub.member('grace-h')?.role).toBe('no_access');
  }, 60_000);

  it('the trimmed Okta SDK still loads what only some set-ups use: a private-key client signs its assertion; a left-out API names itself', async () => {
    const file = join(dir, 'okta-sdk-private-key.cjs');
    await bundleFunction(resolve('test/fixtures/bundles/okta-sdk-private-key.ts'), file);
    const { result } = (await coldInvoke(file, {}, env)) as {
      result: { header: Record<string, unknown>; body: Record<string, unknown>; leftOut: string };
    };
    expect(result.header).toMatchObject({ alg: 'RS256', kid: 'kid-1' });
    expect(result.body).toMatchObject({ iss: '0oa-test', sub: '0oa-test', aud: 'https://acme.okta.example/oauth2/v1/token' });
    expect(result.leftOut).toBe(
      "The Okta SDK's ApplicationApi is left out of this bundle (hf-iam-sync does not use it); add it, with the methods called, to USED_OKTA_METHODS in scripts/esbuild-plugins.cjs",
    );
  }, 60_000);
});
