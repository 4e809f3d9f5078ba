import { SecretsManagerStandIn } from '../sandbox/aws/secrets-manager-stand-in.js';
import { startSandbox } from '../sandbox/sandbox.js';
import { SANDBOX_HF_TOKEN } from '../sandbox/seed.js';
import { composeRotation } from '../composition/compose-rotation.js';
import { parseConfig } from '../shared/runtime/config.js';
import { rotateTokens } from '../shared/rotation/rotate-tokens.js';

/**
 * Rotation: BENCH_ROTATIONS forced rotations of one service-account credential, one after another,
 * with 0 and 50 ms of simulated latency on every Hub and Secrets Manager request. Prints the wall
 * time per rotation (p50/p99), the Hub and Secrets Manager calls one rotation makes, and what a
 * consumer polling AWSCURRENT saw: rejected reads with the overlap strategy, and for in-place the
 * time the old token was already dead while still current (the gap).
 */

const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 50);

/** `target` with `after` run when method `name` has resolved (methods bound, so private fields work). */
function tap<T extends object>(target: T, name: keyof T, after: () => void): T {
  return new Proxy(target, {
    get(t, key) {
      const value = Reflect.get(t, key) as unknown;
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(t);
      return key === name
        ? async (...args: unknown[]) => {
            const r = await bound(...args);
            after();
            return r;
          }
        : bound;
    },
  });
}

async function measure(strategy: 'overlap' | 'in-place', latencyMs: number) {
  const sandbox = await startSandbox();
  const secrets = new SecretsManagerStandIn();
  await secrets.start();
  sandbox.hub.addServiceAccount('ci-bot');
  const secret = 'hf-iam-sync/bench/credentials/ci';
  const config = parseConfig(
    `${sandbox.configText}credentials:\n  - { name: ci, serviceAccount: ci-bot, permissions: [repo.write], secret: ${secret}${strategy === 'in-place' ? ', strategy: in-place' : ', gracePeriod: 0s'} }\n`,
    'bench.yaml',
  );
  const env = { SECRETS_MANAGER_ENDPOINT: secrets.baseUrl, AWS_REGION: 'us-east-1' };
  const { ports, close } = await composeRotation(config, { hfToken: SANDBOX_HF_TOKEN, oauthClientSecret: undefined }, env, {
    state: { kind: 'dynamodb', location: { table: 'hf-iam-sync', endpoint: sandbox.dynamoEndpoint } },
  });
  // The gap: from the Hub's rotate answer (old token dead) to the promotion (new token current).
  const gaps: number[] = [];
  let rotatedAt = 0;
  const hub = tap(ports.hub, 'rotateToken', () => {
    rotatedAt = performance.now();
  });
  const secretsPort = tap(ports.secrets, 'promote', () => {
    if (rotatedAt) gaps.push(performance.now() - rotatedAt);
    rotatedAt = 0;
  });
  const timed = { ...ports, hub, secrets: secretsPort };
  await rotateTokens(timed, config.credentials, 'acme', { credential: 'ci', dryRun: false, runId: 'bench-0' });

  // A consumer checking AWSCURRENT against the Hub every millisecond, in this process.
  let reads = 0;
  let rejected = 0;
  let running = true;
  const consumer = (async () => {
    while (running) {
      const value = secrets.valueAt(secret);
      reads += 1;
      if (!value || !sandbox.hub.accepts(value)) rejected += 1;
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  sandbox.hub.latencyMs = latencyMs;
  secrets.latencyMs = latencyMs;
  const times: number[] = [];
  let calls = { hub: 0, secrets: 0 };
  for (let i = 0; i < ROTATIONS; i += 1) {
    const [h, s] = [sandbox.hub.calls.length, secrets.calls.length];
    const start = performance.now();
    const report = await rotateTokens(timed, config.credentials, 'acme', { credential: 'ci', dryRun: false, runId: `bench-${i + 1}` });
    times.push(performance.now() - start);
    if (report.results[0]?.outcome !== 'rotated') throw new Error(`rotation ${i} did not complete: ${JSON.stringify(report.results[0])}`);
    calls = { hub: sandbox.hub.calls.length - h, secrets: secrets.calls.length - s };
  }
  running = false;
  await consumer;
  await close();
  await Promise.all([secrets.stop(), sandbox.stop()]);
  const pct = (values: number[], p: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;
  return { p50: pct(times, 50), p99: pct(times, 99), calls, reads, rejected, gapP50: pct(gaps, 50), gapP99: pct(gaps, 99) };
}

export async function runRotationBench(): Promise<void> {
  console.log(
    `\nrotation benchmark: ${ROTATIONS} forced rotations of one service-account credential, one after another, a consumer polling AWSCURRENT`,
  );
  for (const strategy of ['overlap', 'in-place'] as const) {
    for (const latency of [0, 50]) {
      const r = await measure(strategy, latency);
      const gap =
        strategy === 'in-place' ? `; old token dead while current: p50 ${r.gapP50.toFixed(1)} ms, p99 ${r.gapP99.toFixed(1)} ms` : '';
      console.log(
        `  ${`${strategy}, latency ${latency} ms`.padEnd(38)} p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; calls per rotation: Hub ${r.calls.hub}, Secrets Manager ${r.calls.secrets}; consumer reads rejected ${r.rejected} of ${r.reads}${gap}`,
      );
    }
  }
}
