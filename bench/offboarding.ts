import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { composeEventSink } from '../composition/compose.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqsEventQueue } from '../shared/adapters/sqs/sqs-event-queue.js';
import { bundledFunctionEnv, bundleFunction, startContainer, type Container } from '../sandbox/bundled-function.js';
import { parseConfig } from '../shared/runtime/config.js';
import { handleOktaEvents } from '../shared/offboarding/handle-okta-events.js';
import { queueHookEvents } from '../shared/offboarding/okta-hook.js';
import { reconcile } from '../shared/reconcile/reconcile.js';
import { EventBridgeStandIn } from '../sandbox/aws/eventbridge-stand-in.js';
import { pollOnce } from '../sandbox/aws/sqs-poller.js';
import { SqsStandIn } from '../sandbox/aws/sqs-stand-in.js';
import { composeForSandbox, startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { startDynamoProcess } from './dynamo-process.js';
import { inOwnProcess } from './own-process.js';

/**
 * Offboarding latency: Okta deactivates a person, the event reaches the okta-event path, the Hub
 * change is done. p50/p99 over BENCH_EVENTS events (default 1,000): one after another, with 0 and
 * with 50 ms of simulated latency on every Okta and Hub request, and the Okta + Hub calls on the
 * critical path of one deactivation; all arriving at once (the hook queues them on SQS, Lambda's
 * poller hands okta-event batches of 100 with up to 10 invocations side by side); and one at a time
 * while an org reconcile of 10,000 changes is applying.
 */

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);

async function measure(latencyMs: number) {
  const sandbox = await startSandbox();
  const { people, config, ports, events, stop } = await offboardingWorld(sandbox, EVENTS, 'leaver', latencyMs);
  const times: number[] = [];
  let criticalPath = 0;
  for (const [i, person] of people.entries()) {
    const event = sandbox.okta.deactivate(person.id);
    const calls = sandbox.okta.calls.length + sandbox.hub.calls.length;
    const start = performance.now();
    const result = await handleOktaEvents({ ...ports, events }, config, [event], 'eventbridge');
    times.push(performance.now() - start);
    if (i === 0) criticalPath = sandbox.okta.calls.length + sandbox.hub.calls.length - calls;
    if (result.offboarded.length !== 1) throw new Error(`event ${i} did not offboard: ${JSON.stringify(result.outcomes)}`);
  }
  await stop();
  return { p50: pct(times, 50), p99: pct(times, 99), criticalPath };
}

const pct = (times: number[], p: number) => {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

function leavers(sandbox: Sandbox, count: number, prefix: string, role = 'write') {
  const group = sandbox.okta.groupByName(`hf-acme-${role}`);
  return Array.from({ length: count }, (_, i) => {
    const user = sandbox.okta.addUser({ login: `${prefix}${i}@acme.example`, profile: { hfUsername: `${prefix}${i}` } });
    sandbox.okta.addToGroup(group.id, user.id);
    sandbox.hub.addMember(`${prefix}${i}`, role);
    return user;
  });
}

/** People hf-iam-sync manages: as an earlier run leaves them (their state item, their Okta-id link, the org's SCIM groups). */
async function manage(
  ports: Awaited<ReturnType<typeof composeForSandbox>>['ports'],
  people: ReadonlyArray<{ id: string }>,
  prefix: string,
) {
  await ports.state.saveManaged(
    'acme',
    people.map((p, n) => ({
      user: `${prefix}${n}`,
      oktaUserId: p.id,
      role: 'write' as const,
      resourceGroups: [],
      lastSyncedAt: new Date().toISOString(),
    })),
  );
  await ports.state.putScimManagedResourceGroups('acme', [], new Date());
}

/**
 * What every offboarding measurement starts from: `count` managed people to deactivate, the table in
 * a process of its own, our bus, `latencyMs` on every Okta and Hub request; `stop` ends it all.
 */
async function offboardingWorld(sandbox: Sandbox, count: number, prefix: string, latencyMs: number) {
  const bus = new EventBridgeStandIn();
  await bus.start();
  const people = leavers(sandbox, count, prefix);
  const config = parseConfig(sandbox.configText, 'bench.yaml');
  const dynamo = await startDynamoProcess();
  const { ports, close } = await composeForSandbox(config, dynamo.endpoint);
  const events = composeEventSink({ EVENT_BUS_NAME: 'bench', EVENTBRIDGE_ENDPOINT: bus.baseUrl });
  await manage(ports, people, prefix);
  sandbox.okta.latencyMs = latencyMs;
  sandbox.hub.latencyMs = latencyMs;
  const stop = async () => {
    await close();
    await Promise.all([bus.stop(), sandbox.stop(), dynamo.stop()]);
  };
  return { people, config, ports, events, stop, busUrl: bus.baseUrl, dynamoEndpoint: dynamo.endpoint };
}

/**
 * BENCH_EVENTS deactivations at once, as the stack runs them: okta-hook queues Okta's deliveries on
 * SQS; Lambda's poller hands okta-event batches of ≤ 100, each to an execution environment — a
 * process running the packaged bundle, cold on its first batch and warm after, as Lambda reuses it
 * for the next batch of its concurrency slot — with the table, the stand-ins and the bus in other
 * processes. Lambda "starts processing five batches at a time with five concurrent invocations"
 * and adds pollers while the queue stays full (up to 300 a minute); counted here without that
 * scale-up: five slots, a batch going to the first slot free. Lambda gives each environment a CPU
 * share of its own (okta-event has 1,769 MB: one vCPU); this 2-CPU machine cannot run five at once
 * that way, so every batch runs alone, and its people are placed on the slots' timeline by when
 * the Hub applied their role change (the stand-in's time for it) after the batch began.
 */
export async function burst(latencyMs: number) {
  const sandbox = await startSandbox();
  const sqs = new SqsStandIn();
  await sqs.start();
  sqs.createQueue('dlq');
  const queueUrl = sqs.createQueue('okta-events', { visibilityTimeoutSeconds: 540, deadLetter: 'dlq', maxReceiveCount: 5 });
  const client = new SQSClient({ endpoint: sqs.baseUrl, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } });
  const { people, stop, busUrl, dynamoEndpoint } = await offboardingWorld(sandbox, EVENTS, 'burst', latencyMs);
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-burst-'));
  const bundle = join(dir, 'okta-event.cjs');
  await bundleFunction(resolve('functions/okta-event/handler.ts'), bundle);
  const env = await bundledFunctionEnv(dir, sandbox.configText, {
    ...sandbox.env,
    STATE_TABLE: 'hf-iam-sync',
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    EVENT_BUS_NAME: 'bench',
    EVENTBRIDGE_ENDPOINT: busUrl,
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const deactivations = people.map((p) => sandbox.okta.deactivate(p.id));
  const okta0 = sandbox.okta.calls.length;
  const hub0 = sandbox.hub.calls.length;
  // As Okta's hook deliveries arrive (up to 50 events each), each queued by okta-hook.
  const queue = new SqsEventQueue(client, queueUrl);
  await Promise.all(
    Array.from({ length: Math.ceil(EVENTS / 50) }, (_, i) => queueHookEvents(queue, deactivations.slice(i * 50, i * 50 + 50))),
  );
  const SLOTS = 5;
  const containers: Array<Container | undefined> = Array.from({ length: SLOTS });
  const freeAt: number[] = Array.from({ length: SLOTS }, () => 0);
  const done: number[] = [];
  const batches: Array<{ ms: number; cpuMs: number; cold: boolean }> = [];
  let failed = 0;
  try {
    for (;;) {
      const slot = freeAt.indexOf(Math.min(...freeAt));
      let ran: { ms: number; offboardedAt: number[] } | undefined;
      const polled = await pollOnce(
        client,
        queueUrl,
        async (event: SQSEvent) => {
          const startedAt = Date.now();
          const cold = containers[slot] === undefined;
          containers[slot] ??= await startContainer(bundle, env);
          const calls = sandbox.hub.calls.length;
          const { ms, cpuMs, result } = await containers[slot].invoke(event, 900_000);
          const offboardedAt = sandbox.hub.calls
            .slice(calls)
            .flatMap((c, i) =>
              c.method === 'PUT' && /\/members\/burst\d+\/role$/.test(c.path) && c.status === 200
                ? [sandbox.hub.callTimes[calls + i]! - startedAt]
                : [],
            );
          batches.push({ ms, cpuMs, cold });
          ran = { ms, offboardedAt };
          return result;
        },
        {} as Context,
        100,
      );
      if (polled.received === 0) break;
      failed += polled.failed;
      done.push(...ran!.offboardedAt.map((t) => freeAt[slot]! + t));
      freeAt[slot]! += ran!.ms;
    }
  } finally {
    await Promise.all(containers.map((c) => c?.stop()));
  }
  const offboarded = people.filter((_, i) => sandbox.hub.member(`burst${i}`)?.role === 'no_access').length;
  const calls = { okta: sandbox.okta.calls.length - okta0, hub: sandbox.hub.calls.length - hub0 };
  await Promise.all([stop(), sqs.stop(), rm(dir, { recursive: true, force: true })]);
  const received = EVENTS;
  return {
    p50: pct(done, 50),
    p99: pct(done, 99),
    all: Math.max(...done),
    offboarded,
    failed: failed + sqs.bodies('dlq').length,
    invocations: batches.length,
    calls,
    coldBatch: Math.max(...batches.filter((b) => b.cold).map((b) => b.ms)),
    warmBatch: Math.max(0, ...batches.filter((b) => !b.cold).map((b) => b.ms)),
    cpuPerPerson: batches.reduce((n, b) => n + b.cpuMs, 0) / received,
  };
}

/** Deactivations one at a time while an org reconcile applies 10,000 upgrades (stopped by its deadline once measured). */
async function duringReconcile(latencyMs: number, samples: number) {
  const sandbox = await startSandbox();
  const read = sandbox.okta.groupByName('hf-acme-write');
  for (let i = 0; i < 10_000; i += 1) {
    const user = sandbox.okta.addUser({ login: `bulk${i}@acme.example`, profile: { hfUsername: `bulk${i}` } });
    sandbox.okta.addToGroup(read.id, user.id);
    sandbox.hub.addMember(`bulk${i}`, 'read');
  }
  const { people, config, ports, events, stop } = await offboardingWorld(sandbox, samples, 'late', latencyMs);
  const org = reconcile(ports, config, {
    dryRun: false,
    scope: { kind: 'organization' },
    trigger: 'schedule',
    actor: 'bench',
    deadline: Date.now() + 45_000,
  });
  const writes = () => sandbox.hub.count(/\/members\/bulk\d+\/role$/, 'PUT');
  while (writes() < 100) await new Promise((r) => setTimeout(r, 20));
  const times: number[] = [];
  for (const person of people) {
    const started = performance.now();
    const result = await handleOktaEvents({ ...ports, events }, config, [sandbox.okta.deactivate(person.id)], 'eventbridge');
    times.push(performance.now() - started);
    if (result.offboarded.length !== 1) throw new Error(`not offboarded during the reconcile: ${JSON.stringify(result.outcomes)}`);
  }
  const writesDuring = writes();
  const outcome = await org;
  await stop();
  return {
    p50: pct(times, 50),
    p99: pct(times, 99),
    writesDuring,
    reconcile: outcome.outcome === 'stopped' ? `stopped at its deadline after ${outcome.result?.applied.length} changes` : 'finished',
  };
}

export async function runOffboardingBench(): Promise<void> {
  console.log(`\noffboarding benchmark: ${EVENTS.toLocaleString('en')} deactivations, one at a time, event in → Hub change done`);
  for (const latency of [0, 50]) {
    const r = await measure(latency);
    console.log(
      `  ${`simulated latency ${latency} ms`.padEnd(38)} p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms${latency === 50 ? ` (target ≤ 200 ms) ${r.p99 <= 200 ? '✓' : '✗'}` : ''}; Okta + Hub calls on the critical path: ${r.criticalPath} (target ≤ 3) ${r.criticalPath <= 3 ? '✓' : '✗'}`,
    );
  }
  // This 2-CPU machine's speed varies from minute to minute: the burst is run BENCH_BURST_RUNS times
  // (each in a fresh process) and judged on the median p99; every run's figures are printed.
  const runs: Array<Awaited<ReturnType<typeof burst>>> = [];
  for (let i = 0; i < Number(process.env.BENCH_BURST_RUNS ?? 3); i += 1)
    runs.push(await inOwnProcess<Awaited<ReturnType<typeof burst>>>('burst-one'));
  const b = [...runs].sort((x, y) => x.p99 - y.p99)[Math.floor(runs.length / 2)]!;
  const each = (f: (r: (typeof runs)[number]) => string) => runs.map(f).join(', ');
  console.log(
    `offboarding benchmark: ${EVENTS.toLocaleString('en')} deactivations at once, 50 ms latency (hook → SQS → ${b.invocations} okta-event invocations of ≤ 100 in five execution environments of the packaged bundle, as Lambda starts; no scale-up counted), ${runs.length} runs`,
  );
  console.log(
    `  ${'queued → Hub change done, p99'.padEnd(38)} median ${b.p99.toFixed(0)} ms (runs: ${each((r) => r.p99.toFixed(0))} ms) (target ≤ 5,000 ms) ${b.p99 <= 5000 ? '✓' : '✗'}; p50 ${each((r) => r.p50.toFixed(0))} ms; all done ${each((r) => r.all.toFixed(0))} ms`,
  );
  console.log(
    `  ${'one invocation of 100'.padEnd(38)} longest cold ${each((r) => String(r.coldBatch))} ms, warm ${each((r) => String(r.warmBatch))} ms; CPU per person ${each((r) => r.cpuPerPerson.toFixed(1))} ms (in the environments, loading included)`,
  );
  const allDone = runs.every((r) => r.offboarded === EVENTS && r.failed === 0);
  console.log(
    `  ${'offboarded / failed'.padEnd(38)} ${each((r) => `${r.offboarded} / ${r.failed}`)} (target: all, 0 failed) ${allDone ? '✓' : '✗'}; Okta calls ${each((r) => String(r.calls.okta))}, Hub calls ${each((r) => String(r.calls.hub))}`,
  );
  const d = await duringReconcile(50, 20);
  console.log('offboarding benchmark: 20 deactivations one at a time while an org reconcile applies 10,000 changes, 50 ms latency');
  console.log(
    `  ${'event in → Hub change done'.padEnd(38)} p50 ${d.p50.toFixed(0)} ms, p99 ${d.p99.toFixed(0)} ms (target ≤ 1,000 ms) ${d.p99 <= 1000 ? '✓' : '✗'}; the reconcile wrote ${d.writesDuring} changes meanwhile and ${d.reconcile}`,
  );
}
