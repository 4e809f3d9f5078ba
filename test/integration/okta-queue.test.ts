import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import { parseConfig } from '../../shared/runtime/config.js';
import { drainQueue, pollOnce } from '../../sandbox/aws/sqs-poller.js';
import { serveFunctionUrl } from '../../sandbox/function-url.js';
import { composeForSandbox } from '../../sandbox/sandbox.js';
import { asEventBridge, HOOK_SECRET, lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/**
 * The durable path: the hook and the EventBridge rule put Okta events on SQS; okta-event consumes
 * batches with partial batch failures; what keeps failing lands in the DLQ and can be replayed.
 * The real @aws-sdk/client-sqs (which checks every MD5) against the SQS stand-in, the real handlers.
 */

type Handler<E> = (event: E, context: Context) => Promise<unknown>;
let env: LambdaEnv;
let sqs: SQSClient;
beforeEach(async () => {
  env = await startLambdaEnv();
  sqs = new SQSClient({ endpoint: env.sqs.baseUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterEach(async () => {
  await env.stop();
});

const send = (body: unknown) =>
  sqs.send(new SendMessageCommand({ QueueUrl: env.queueUrl, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }));
const consumer = () => env.load<Handler<unknown>>('okta-event');
const post = (headers: Record<string, string>, body: string) =>
  ({
    requestContext: { http: { method: 'POST' } },
    headers: { authorization: HOOK_SECRET, ...headers },
    body,
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

describe('okta-event as the queue consumer', () => {
  it('reports only the failed message of a batch; the others are done and deleted; the failed one succeeds when it comes back', async () => {
    const { okta, hub } = env.sandbox;
    hub.inject({ method: 'PUT', path: /\/members\/kthompson\/role$/, status: 503, times: 10 });
    const ken = okta.deactivate(okta.userByLogin('ken@acme.example').id);
    await send({ source: 'hook', event: ken });
    await send(asEventBridge(okta.deactivate(okta.userByLogin('linus@acme.example').id))); // as the EventBridge rule delivers
    await send('{not json');
    await send({ source: 'hook', event: null });
    const onEvent = await consumer();
    const first = await pollOnce(sqs, env.queueUrl, onEvent as never, lambdaContext);
    expect(first).toEqual({ received: 4, deleted: 3, failed: 1, threw: false });
    expect(hub.member('linus-t')?.role).toBe('no_access');
    expect(hub.member('kthompson')?.role).not.toBe('no_access');
    expect(env.logs()).toContain('message body is not JSON');
    expect(env.logs()).toContain('the event is not a JSON object');
    expect(env.sqs.bodies('okta-events')).toEqual([JSON.stringify({ source: 'hook', event: ken })]);

    hub.clearFaults();
    await new Promise((r) => setTimeout(r, 2100)); // the visibility timeout
    expect(await pollOnce(sqs, env.queueUrl, onEvent as never, lambdaContext)).toMatchObject({ received: 1, deleted: 1 });
    expect(hub.member('kthompson')?.role).toBe('no_access');
    expect(env.sqs.bodies('okta-events-dlq')).toEqual([]);
    expect(
      env.bus.received
        .filter((e) => e.detailType === 'hf-iam-sync.MemberOffboarded')
        .map((e) => e.detail.user)
        .sort(),
    ).toEqual(['kthompson', 'linus-t']);
  }, 20_000);

  it('a message that keeps failing goes to the DLQ after three receives; replayed from there, it offboards', async () => {
    const { okta, hub } = env.sandbox;
    hub.inject({ method: 'PUT', path: /\/members\/linus-t\/role$/, status: 503, times: 100 });
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    await send({ source: 'hook', event });
    const onEvent = await consumer();
    for (let i = 0; i < 3; i += 1) {
      expect(await pollOnce(sqs, env.queueUrl, onEvent as never, lambdaContext)).toMatchObject({ received: 1, failed: 1 });
      await new Promise((r) => setTimeout(r, 2100));
    }
    expect(await pollOnce(sqs, env.queueUrl, onEvent as never, lambdaContext)).toMatchObject({ received: 0 });
    expect(env.sqs.bodies('okta-events-dlq')).toHaveLength(1);

    // The operator's replay: the DLQ's messages back to the queue (what SQS's redrive does).
    hub.clearFaults();
    const dlqUrl = env.sqs.queueUrl('okta-events-dlq');
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    for (const m of Messages) await send(m.Body!);
    expect(await drainQueue(sqs, env.queueUrl, onEvent as never, lambdaContext)).toMatchObject({ received: 1, deleted: 1, failed: 0 });
    expect(hub.member('linus-t')?.role).toBe('no_access');
  }, 30_000);
});

describe('the hook', () => {
  it('during an org reconcile of slow writes: answered at once (it only queues), and the person is offboarded while the reconcile still runs', async () => {
    const { okta, hub } = env.sandbox;
    const write = okta.groupByName('hf-acme-write');
    for (let i = 0; i < 200; i += 1) {
      okta.addToGroup(write.id, okta.addUser({ login: `bulk${i}@acme.example`, profile: { hfUsername: `bulk${i}` } }).id);
      hub.addMember(`bulk${i}`, 'read');
    }
    hub.latencyFor = (method, path) => (method === 'PUT' && /\/members\/bulk\d+\/role$/.test(path) ? 20 : 0);
    const config = parseConfig(env.sandbox.configText, 'sandbox.yaml');
    const { ports, close } = await composeForSandbox(config, env.sandbox.dynamoEndpoint);
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const endpoint = await serveFunctionUrl(onHook as never);
    try {
      let orgDone = false;
      const org = reconcile(ports, config, {
        dryRun: false,
        scope: { kind: 'organization' },
        trigger: 'schedule',
        actor: 'schedule',
      }).finally(() => {
        orgDone = true;
      });
      while (hub.count(/\/members\/bulk\d+\/role$/, 'PUT') < 20) await new Promise((r) => setTimeout(r, 10));
      const delivery = await okta.deliverHook(endpoint.url, HOOK_SECRET, [okta.deactivate(okta.userByLogin('linus@acme.example').id)]);
      expect(delivery.status).toBe(200); // not 'timeout': Okta's own 3 s client timeout did not fire
      expect((delivery.body as { outcomes: Array<{ outcome: string }> }).outcomes).toEqual([
        expect.objectContaining({ outcome: 'queued' }),
      ]);
      await drainQueue(sqs, env.queueUrl, (await consumer()) as never, lambdaContext);
      expect(orgDone).toBe(false);
      expect(hub.member('linus-t')?.role).toBe('no_access');
      const outcome = await org;
      expect(outcome.result!.failed).toEqual([]);
      expect(hub.member('linus-t')?.role).toBe('no_access');
      expect(hub.member('bulk199')?.role).toBe('write');
    } finally {
      await endpoint.stop();
      await close();
    }
  }, 60_000);

  it('refuses what is not an Okta delivery with the reason: wrong content type, a huge body, no data.events, not JSON', async () => {
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const answer = async (headers: Record<string, string>, body: string) => {
      const r = (await onHook(post(headers, body), lambdaContext)) as { statusCode: number; body: string };
      return { status: r.statusCode, error: JSON.parse(r.body).error as string };
    };
    expect(await answer({ 'content-type': 'text/plain' }, '{}')).toEqual({
      status: 415,
      error: 'content-type text/plain is not accepted: Okta delivers application/json',
    });
    expect(await answer({ 'content-type': 'application/json' }, `{"data":{"events":[]},"pad":"${'x'.repeat(1_048_576)}"}`)).toEqual({
      status: 413,
      error: expect.stringMatching(/^body is 1048\d+ bytes, over the 1048576-byte limit/),
    });
    expect(await answer({ 'content-type': 'application/json' }, '{"data":{}}')).toEqual({
      status: 400,
      error: 'body has no data.events array',
    });
    expect(await answer({ 'content-type': 'application/json; charset=utf-8' }, '[')).toEqual({ status: 400, error: 'body is not JSON' });
    expect(env.sqs.bodies('okta-events')).toEqual([]);
  });

  it('an event the queue refuses is reported failed, and the rest of the delivery is still queued', async () => {
    const { okta } = env.sandbox;
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const events = ['linus@acme.example', 'ken@acme.example'].map((l) => okta.deactivate(okta.userByLogin(l).id));
    // SendMessageBatch succeeds as a call and fails one entry (SQS's partial failure).
    env.sqs.inject({
      method: 'POST',
      path: /^\/$/,
      status: 200,
      header: { name: 'x-amz-target', value: /SendMessageBatch/ },
      rewrite: (reply) => {
        const body = reply.body as { Successful: Array<{ Id: string }>; Failed: unknown[] };
        return {
          ...reply,
          body: {
            Successful: body.Successful.slice(0, 1),
            Failed: [{ Id: body.Successful[1]!.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' }],
          },
        };
      },
    });
    const r = (await onHook(post({ 'content-type': 'application/json' }, JSON.stringify({ data: { events } })), lambdaContext)) as {
      statusCode: number;
      body: string;
    };
    const outcomes = JSON.parse(r.body).outcomes as Array<{ outcome: string; detail: string }>;
    expect(r.statusCode).toBe(200);
    expect(outcomes.map((o) => o.outcome)).toEqual(['queued', 'failed']);
    expect(outcomes[1]!.detail).toBe('not queued (InternalError: try again); the System Log poll will find it');
  });
});
