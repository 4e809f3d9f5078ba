import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeSink } from '../shared/adapters/eventbridge/eventbridge-sink.js';
import { handleOktaEvents } from '../shared/offboarding/handle-okta-events.js';
import { parseConfig } from '../shared/runtime/config.js';
import { EventBridgeStandIn } from '../sandbox/aws/eventbridge-stand-in.js';
import { composeForSandbox, startSandbox } from '../sandbox/sandbox.js';

/**
 * Offboarding latency: Okta deactivates a person, the event reaches the okta-event path, the Hub
 * change is done. p50/p99 over BENCH_EVENTS events (default 1,000), one after another, with 0 and
 * with 50 ms of simulated latency on every Okta and Hub request; and the Okta + Hub calls on the
 * critical path of one deactivation.
 */

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);

async function measure(latencyMs: number) {
  const sandbox = await startSandbox();
  const bus = new EventBridgeStandIn();
  await bus.start();
  const write = sandbox.okta.groupByName('hf-acme-write');
  const people = Array.from({ length: EVENTS }, (_, i) => {
    const user = sandbox.okta.addUser({ login: `leaver${i}@acme.example`, profile: { hfUsername: `leaver${i}` } });
    sandbox.okta.addToGroup(write.id, user.id);
    sandbox.hub.addMember(`leaver${i}`, 'write');
    return user;
  });
  const config = parseConfig(sandbox.configText, 'bench.yaml');
  const { ports, close } = await composeForSandbox(config, sandbox.dynamoEndpoint);
  const events = new EventBridgeSink(new EventBridgeClient({ endpoint: bus.baseUrl, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } }), 'bench');
  sandbox.okta.latencyMs = latencyMs;
  sandbox.hub.latencyMs = latencyMs;
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
  await close();
  await bus.stop();
  await sandbox.stop();
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
  return { p50: pct(50), p99: pct(99), criticalPath };
}

export async function runOffboardingBench(): Promise<void> {
  console.log(`\noffboarding benchmark: ${EVENTS.toLocaleString('en')} deactivations, one at a time, event in → Hub change done`);
  for (const latency of [0, 50]) {
    const r = await measure(latency);
    console.log(`  ${`simulated latency ${latency} ms`.padEnd(38)} p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; Okta + Hub calls on the critical path: ${r.criticalPath} (target ≤ 3) ${r.criticalPath <= 3 ? '✓' : '✗'}`);
  }
}
