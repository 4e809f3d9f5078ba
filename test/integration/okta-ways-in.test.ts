import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, Context, EventBridgeEvent } from 'aws-lambda';
import type { EventPorts } from '../../shared/offboarding/handle-okta-events.js';
import type { Config } from '../../shared/runtime/config.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQSClient } from '@aws-sdk/client-sqs';
import { drainQueue } from '../../sandbox/aws/sqs-poller.js';
import { serveFunctionUrl } from '../../sandbox/function-url.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../../sandbox/seed.js';
import { addLinkedPeople } from '../helpers/cli-sandbox.js';
import { asEventBridge, HOOK_SECRET, lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/** The three ways Okta events come in, each through its real handler, sharing one dedup. */

type Handler<E> = (event: E, context: Context) => Promise<unknown>;
let env: LambdaEnv;
beforeEach(async () => {
  env = await startLambdaEnv();
});
afterEach(async () => {
  await env.stop();
});

/** Lambda's SQS poller over okta-event: everything the hook queued, processed (batches of `batchSize`). */
async function drain(batchSize = 10) {
  const onEvent = await env.load<Handler<unknown>>('okta-event');
  return drainQueue(
    new SQSClient({ endpoint: env.sqs.baseUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    env.queueUrl,
    onEvent as never,
    lambdaContext,
    { batchSize },
  );
}

const hookRequest = (method: string, headers: Record<string, string>, body?: unknown) =>
  ({
    requestContext: { http: { method } },
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;
const rolePuts = () => env.sandbox.hub.count(/\/members\/[^/]+\/role$/, 'PUT');

describe('a crash mid-offboarding', () => {
  it("an okta-event process killed while the role change hangs: an early retry finds it in progress, the poll holds its cursor, the retry after the dead invocation's deadline offboards once", async () => {
    const { okta, hub } = env.sandbox;
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    hub.inject({ method: 'PUT', path: /\/members\/linus-t\/role$/, status: 0, hang: true, times: 1 });
    // The killed invocation had 8 s left: its deadline is 3 s away (8 s less the 5 s margin), its claim a second longer.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../helpers/okta-event-process.ts'), JSON.stringify(asEventBridge(event))],
      {
        env: { ...process.env, REMAINING_MS: '8000' },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 400 && hub.count(/\/members\/linus-t\/role$/, 'PUT') === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
      expect(hub.count(/\/members\/linus-t\/role$/, 'PUT')).toBe(1); // the hung change, never applied
      child.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();

      const onEvent = await env.load<Handler<EventBridgeEvent<'SystemLog', unknown>>>('okta-event');
      const onPoll = await env.load<Handler<unknown>>('okta-log-poll');
      // An early retry is refused (thrown, so Lambda retries again later), not acknowledged as a duplicate.
      await expect(onEvent(asEventBridge(event), lambdaContext)).rejects.toThrow(/is in progress elsewhere and will be retried/);
      await onPoll({}, lambdaContext);
      expect(env.logs()).toContain('"inProgress":1');
      expect(hub.member('linus-t')?.role).toBe('write');
      await withDirectPorts(async (ports) => expect(await ports.state.getCursor('okta-logs')).toBeNull()); // not moved past it

      // Lambda's retry, after the dead invocation's deadline: the claim is over, the offboarding happens.
      await new Promise((r) => setTimeout(r, Math.max(0, 4_500 - (Date.now() - killedAt))));
      const retry = (await onEvent(asEventBridge(event), lambdaContext)) as { outcomes: Array<{ outcome: string }> };
      expect(retry.outcomes).toEqual([expect.objectContaining({ outcome: 'processed' })]);
      expect(hub.member('linus-t')?.role).toBe('no_access');
      await onPoll({}, lambdaContext);
      expect(hub.count(/\/members\/linus-t\/role$/, 'PUT')).toBe(2); // the hung one (never applied) and the one that did it
      expect(env.bus.received.filter((e) => e.detailType === 'hf-iam-sync.MemberOffboarded')).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});

describe('the three ways in', () => {
  it('one deactivation delivered by EventBridge, the hook and the poll changes the Hub once', async () => {
    const { okta, hub } = env.sandbox;
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    const onEvent = await env.load<Handler<EventBridgeEvent<'SystemLog', unknown>>>('okta-event');
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const onPoll = await env.load<Handler<unknown>>('okta-log-poll');
    await onEvent(asEventBridge(event), lambdaContext);
    await onEvent(asEventBridge(event), lambdaContext); // EventBridge is at-least-once
    const hook = (await onHook(
      hookRequest('POST', { authorization: HOOK_SECRET }, { eventType: 'com.okta.event_hook', data: { events: [event] } }),
      lambdaContext,
    )) as { statusCode: number; body: string };
    const poll = (await onPoll({}, lambdaContext)) as { events: number };
    expect(hub.member('linus-t')?.role).toBe('no_access');
    expect(rolePuts()).toBe(1);
    expect(JSON.parse(hook.body).outcomes).toEqual([expect.objectContaining({ outcome: 'queued' })]);
    expect(poll.events).toBeGreaterThanOrEqual(1);
    expect(await drain()).toMatchObject({ received: 1, deleted: 1, failed: 0 }); // the queued copy: a duplicate, acknowledged
    expect(rolePuts()).toBe(1);
    expect(env.logs()).toContain('"outcome":"duplicate"');
    expect(env.bus.received.filter((e) => e.detailType === 'hf-iam-sync.MemberOffboarded')).toHaveLength(1);
    expect(env.logs()).not.toContain(SANDBOX_OKTA_TOKEN);
    expect(env.logs()).not.toContain(SANDBOX_HF_TOKEN);
    expect(env.logs()).not.toContain(HOOK_SECRET);
    const emf = env
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => l._aws?.CloudWatchMetrics);
    expect(emf[0]).toMatchObject({ StreamEventsReceived: 1, MembersOffboarded: 1, OffboardingLatency: expect.any(Number) });
  });

  it('the poll alone catches an offboarding no stream delivered, and its cursor moves on', async () => {
    const { okta, hub } = env.sandbox;
    okta.deactivate(okta.userByLogin('alan@acme.example').id);
    const onPoll = await env.load<Handler<unknown>>('okta-log-poll');
    await onPoll({}, lambdaContext);
    expect(hub.member('alan-t')?.role).toBe('no_access');
    const logCalls = okta.count(/\/api\/v1\/logs$/);
    okta.deactivate(okta.userByLogin('ken@acme.example').id);
    await onPoll({}, lambdaContext);
    expect(hub.member('kthompson')?.role).toBe('no_access');
    const second = okta.calls.filter((c) => c.path === '/api/v1/logs').slice(logCalls);
    expect(second.length).toBeGreaterThan(0);
    expect(rolePuts()).toBe(2);
  });

  it('a cold hook turns away an unauthenticated request having read only its own secret: no Okta, Hub, table or other secret', async () => {
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const before = { okta: env.sandbox.okta.calls.length, hub: env.sandbox.hub.calls.length };
    const refused = (await onHook(hookRequest('POST', { authorization: 'guess' }, { data: { events: [] } }), lambdaContext)) as {
      statusCode: number;
    };
    expect(refused.statusCode).toBe(401);
    expect({ okta: env.sandbox.okta.calls.length, hub: env.sandbox.hub.calls.length }).toEqual(before);
    expect(env.secrets.secretsRead).toEqual(['hf-iam-sync/hook']);
    // An authenticated delivery is queued: still no Okta, Hub or other secret, and the hook secret read once.
    const event = env.sandbox.okta.deactivate(env.sandbox.okta.userByLogin('linus@acme.example').id);
    const before2 = { okta: env.sandbox.okta.calls.length, hub: env.sandbox.hub.calls.length };
    await onHook(
      hookRequest('POST', { authorization: HOOK_SECRET, 'content-type': 'application/json' }, { data: { events: [event] } }),
      lambdaContext,
    );
    expect({ okta: env.sandbox.okta.calls.length, hub: env.sandbox.hub.calls.length }).toEqual(before2);
    expect(env.secrets.secretsRead).toEqual(['hf-iam-sync/hook']);
    expect(env.sqs.bodies('okta-events').map((b) => JSON.parse(b))).toEqual([{ source: 'hook', event }]);
  });

  it('the event functions read only the secrets their roles may read: never the hook secret', async () => {
    const onEvent = await env.load<Handler<EventBridgeEvent<'SystemLog', unknown>>>('okta-event');
    const onPoll = await env.load<Handler<unknown>>('okta-log-poll');
    const event = env.sandbox.okta.deactivate(env.sandbox.okta.userByLogin('linus@acme.example').id);
    await onEvent(asEventBridge(event), lambdaContext);
    await onPoll({}, lambdaContext);
    expect(new Set(env.secrets.secretsRead)).toEqual(new Set(['hf-iam-sync/okta', 'hf-iam-sync/hf']));
  });

  it('a hook delivery holding null and ill-typed items answers 200, each refused with its reason, and the rest goes through', async () => {
    const { okta, hub } = env.sandbox;
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    const response = (await onHook(
      hookRequest('POST', { authorization: HOOK_SECRET }, { data: { events: [null, 42, 'text', event] } }),
      lambdaContext,
    )) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const outcomes = JSON.parse(response.body).outcomes as Array<{ outcome: string; detail: string }>;
    expect(outcomes.filter((o) => o.outcome === 'rejected').map((o) => o.detail)).toEqual([
      'the event is not a JSON object',
      'the event is not a JSON object',
      'the event is not a JSON object',
    ]);
    expect(outcomes.filter((o) => o.outcome === 'queued')).toHaveLength(1);
    await drain();
    expect(hub.member('linus-t')?.role).toBe('no_access');
  });

  it('answers the hook verification GET, and refuses a wrong secret without processing', async () => {
    const { okta, hub } = env.sandbox;
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const verify = (await onHook(
      hookRequest('GET', { authorization: HOOK_SECRET, 'x-okta-verification-challenge': 'c0ffee' }),
      lambdaContext,
    )) as { statusCode: number; body: string };
    expect(verify).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(verify.body)).toEqual({ verification: 'c0ffee' });
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    const wrong = (await onHook(
      hookRequest('POST', { authorization: 'not-the-secret' }, { data: { events: [event] } }),
      lambdaContext,
    )) as { statusCode: number };
    expect(wrong.statusCode).toBe(401);
    expect(hub.member('linus-t')?.role).toBe('write');
    expect(env.logs()).toContain('rejected: wrong or missing Authorization header');
    const garbled = (await onHook(
      { ...hookRequest('POST', { authorization: HOOK_SECRET }), body: '{not json' } as APIGatewayProxyEventV2,
      lambdaContext,
    )) as { statusCode: number };
    expect(garbled.statusCode).toBe(400);
  });

  it('a malformed EventBridge event is logged and acknowledged, not retried', async () => {
    const onEvent = await env.load<Handler<EventBridgeEvent<'SystemLog', unknown>>>('okta-event');
    const result = (await onEvent(asEventBridge({ eventType: 'user.lifecycle.deactivate' }), lambdaContext)) as {
      outcomes: Array<{ outcome: string }>;
    };
    expect(result.outcomes).toEqual([{ uuid: null, outcome: 'rejected', detail: 'the event has no uuid' }]);
    expect(env.logs()).toContain('"outcome":"rejected"');
  });

  it('a failed offboarding throws from the EventBridge handler, so it is retried and finally dead-lettered', async () => {
    const { okta, hub } = env.sandbox;
    hub.inject({ method: 'PUT', path: /\/role$/, status: 503, times: 10 });
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    const onEvent = await env.load<Handler<EventBridgeEvent<'SystemLog', unknown>>>('okta-event');
    await expect(onEvent(asEventBridge(event), lambdaContext)).rejects.toThrowError(/failed and will be retried: .*HTTP 503/);
    hub.clearFaults();
    await onEvent(asEventBridge(event), lambdaContext);
    expect(hub.member('linus-t')?.role).toBe('no_access');
  });

  it('Okta delivers to the hook URL over HTTP and gets its answer within the 3-second budget', async () => {
    const { okta, hub } = env.sandbox;
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const endpoint = await serveFunctionUrl(onHook as never);
    try {
      const events = ['linus@acme.example', 'ken@acme.example', 'alan@acme.example'].map((login) =>
        okta.deactivate(okta.userByLogin(login).id),
      );
      const started = performance.now();
      const delivery = await okta.deliverHook(endpoint.url, HOOK_SECRET, events);
      expect(delivery.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(3000);
      expect((delivery.body as { outcomes: Array<{ outcome: string }> }).outcomes.map((o) => o.outcome)).toEqual([
        'queued',
        'queued',
        'queued',
      ]);
      await drain();
      expect(['linus-t', 'kthompson', 'alan-t'].map((u) => hub.member(u)?.role)).toEqual(['no_access', 'no_access', 'no_access']);
      expect((await okta.deliverHook(endpoint.url, 'wrong', events)).status).toBe(401);
    } finally {
      await endpoint.stop();
    }
  });
});

describe('through the real handlers', () => {
  it('EventBridge: a stale, older membership add arriving after the deactivation leaves the user offboarded', async () => {
    const { okta, hub } = env.sandbox;
    const grace = okta.userByLogin('grace@acme.example');
    const stale = okta.emit('group.user_membership.add', [grace, okta.groupByName('hf-acme-write')], {
      published: new Date(Date.now() - 60_000),
    });
    const deactivate = okta.deactivate(grace.id);
    const onEvent = await env.load<Handler<EventBridgeEvent<'SystemLog', unknown>>>('okta-event');
    await onEvent(asEventBridge(deactivate), lambdaContext);
    await onEvent(asEventBridge(stale), lambdaContext);
    expect(hub.member('grace-h')?.role).toBe('no_access');
  });

  it('hook: 500 events for 20 users in one delivery are queued, become at most 22 one-person runs, and the poll then finds nothing left', async () => {
    const { okta, hub } = env.sandbox;
    const write = okta.groupByName('hf-acme-write');
    const people = addLinkedPeople(env.sandbox, 20, 'hf-acme-write');
    const events = Array.from({ length: 498 }, (_, i) => okta.emit('group.user_membership.add', [people[i % 20]!, write]));
    const unknown = {
      ...okta.emit('user.lifecycle.suspend', []),
      target: [{ id: '00uNOBODY00000000000', type: 'User', alternateId: 'ghost@acme.example' }],
    };
    const unlinked = okta.emit('user.lifecycle.suspend', [okta.userByLogin('barbara@acme.example')]);
    const onHook = await env.load<Handler<APIGatewayProxyEventV2>>('okta-hook');
    const onPoll = await env.load<Handler<unknown>>('okta-log-poll');
    // Okta verifies the endpoint before it delivers anything: that first call pays the cold start.
    await onHook(hookRequest('GET', { authorization: HOOK_SECRET, 'x-okta-verification-challenge': 'x' }), lambdaContext);
    const response = (await onHook(
      hookRequest('POST', { authorization: HOOK_SECRET }, { data: { events: [...events, unknown, unlinked] } }),
      lambdaContext,
    )) as { statusCode: number; body: string };
    const outcomes = JSON.parse(response.body).outcomes as Array<{ uuid: string; outcome: string; detail: string }>;
    expect(response.statusCode).toBe(200);
    expect(outcomes.every((o) => o.outcome === 'queued')).toBe(true);
    // Lambda's poller with a batch of 100 (the batch window): each batch coalesces its people.
    const userReads = () =>
      okta.calls.filter((c) => /^\/api\/v1\/users\/00u/.test(c.path) && c.method === 'GET' && !c.path.endsWith('/groups')).length;
    const readsBefore = userReads();
    expect(await drain(100)).toMatchObject({ received: 500, deleted: 500, failed: 0 });
    expect(userReads() - readsBefore).toBeLessThanOrEqual(22 * 5); // ≤ 22 people in each of the 5 batches
    await onPoll({}, lambdaContext);
    expect(people.every((_, i) => hub.member(`p${i}`)?.role === 'write')).toBe(true);
    expect(env.logs()).toContain('"message":"okta event handled"');
  });
});

/** The use cases called directly against the sandbox (no handler), with an event sink that drops events. */
async function withDirectPorts(run: (ports: EventPorts, config: Config) => Promise<void>) {
  const { composeForSandbox } = await import('../../sandbox/sandbox.js');
  const { parseConfig } = await import('../../shared/runtime/config.js');
  const config = parseConfig(env.sandbox.configText, 'sandbox.yaml');
  const { ports, close } = await composeForSandbox(config, env.sandbox.dynamoEndpoint);
  try {
    await run({ ...ports, events: { publish: async () => undefined } }, config);
  } finally {
    await close();
  }
}

describe('time budget', () => {
  it('work not started before the deadline is deferred, and the poll finishes it', async () => {
    const { handleOktaEvents } = await import('../../shared/offboarding/handle-okta-events.js');
    const { pollOktaLogs } = await import('../../shared/offboarding/poll-okta-logs.js');
    const { okta, hub } = env.sandbox;
    await withDirectPorts(async (ports, config) => {
      const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
      const late = await handleOktaEvents(ports, config, [event], 'hook', Date.now() - 1);
      expect(late.outcomes).toEqual([expect.objectContaining({ outcome: 'deferred' })]);
      expect(hub.member('linus-t')?.role).toBe('write');
      await pollOktaLogs(ports, config);
      expect(hub.member('linus-t')?.role).toBe('no_access');
    });
  });
});

describe('the System Log poll', () => {
  it("follows Okta's next link as given: a poll an hour after the last one still sees what was logged in between", async () => {
    const { pollOktaLogs } = await import('../../shared/offboarding/poll-okta-logs.js');
    const { okta, hub } = env.sandbox;
    await withDirectPorts(async (ports, config) => {
      await pollOktaLogs(ports, config);
      okta.deactivate(okta.userByLogin('linus@acme.example').id);
      // The next poll runs an hour later (a stream outage, a paused schedule): beyond any look-back.
      // Rebuilding the stored link with a fresh `since` would skip the deactivation; Okta's link does not.
      const polled = await pollOktaLogs({ ...ports, clock: () => new Date(Date.now() + 3_600_000) }, config);
      expect(polled.outcomes).toEqual([expect.objectContaining({ outcome: 'processed', detail: expect.stringContaining('1 change(s)') })]);
      expect(hub.member('linus-t')?.role).toBe('no_access');
    });
  });
});
