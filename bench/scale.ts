import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { computePlan } from '../shared/domain/compute-plan.js';
import { readInputs } from '../shared/reconcile/read-inputs.js';
import { parseConfig } from '../shared/runtime/config.js';
import { composeForSandbox } from '../sandbox/sandbox.js';
import { inOwnProcess } from './own-process.js';

/**
 * Planning at size (`BENCH_ONLY=scale npm run bench`): for 10,000 and 100,000 people (the
 * synthetic org, stand-ins in a child process, so the Hub stand-in serving 100,000 members is part
 * of the run), one org read and one plan — this process's peak RSS through them — then computePlan's
 * CPU time (median of 5 more plans).
 * Targets: 100k planned in < 2 s CPU, 10× the people ≤ 11× the CPU, peak RSS < 500 MB with the heap V8 picks (< 600 MB capped).
 * The 100k run is repeated in a process of its own with the heap V8 gives a ~2 GB machine.
 */

export async function measure(users: number) {
  const child = fork(resolve('bench/sandbox-process.ts'), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_USERS: String(users), BENCH_GROUPS: '50' },
  });
  const ready = await new Promise<{ configText: string; dynamoEndpoint: string }>((done) =>
    child.on('message', (m: { type: string }) => m.type === 'ready' && done(m as never)),
  );
  const config = parseConfig(ready.configText, 'bench.yaml');
  const { ports, close } = await composeForSandbox(config, ready.dynamoEndpoint);
  const readStart = performance.now();
  const inputs = await readInputs(ports, config, { kind: 'organization' }, { snapshot: 'none' });
  const readMs = performance.now() - readStart;
  const cpu: number[] = [];
  let plan = computePlan(inputs);
  // What one run needs: one read and one plan. The CPU timing below plans five times more.
  const rss = process.resourceUsage().maxRSS / 1024;
  for (let i = 0; i < 5; i += 1) {
    const before = process.cpuUsage();
    plan = computePlan(inputs);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  const rssAfterTiming = process.resourceUsage().maxRSS / 1024;
  await close();
  child.send({ type: 'stop' });
  await new Promise((done) => child.once('exit', done));
  return { members: inputs.hub.members.length, readMs, cpuMs: cpu[2]!, rss, rssAfterTiming, changes: plan.changes.length };
}

export async function runScaleBench(): Promise<void> {
  console.log(
    '\nscale benchmark: one org read and one plan (peak RSS of this process through them), then computePlan timed (CPU, median of 5 more)',
  );
  const small = await measure(10_000);
  console.log(
    `  ${'10,000 people'.padEnd(38)} ${small.members.toLocaleString('en')} members read in ${(small.readMs / 1000).toFixed(1)} s; plan ${small.cpuMs.toFixed(0)} ms CPU, ${small.changes} changes; peak RSS, read + plan ${small.rss.toFixed(0)} MB`,
  );
  const big = await measure(100_000);
  const ratio = big.cpuMs / small.cpuMs;
  console.log(
    `  ${'100,000 people'.padEnd(38)} ${big.members.toLocaleString('en')} members read in ${(big.readMs / 1000).toFixed(1)} s; plan ${big.cpuMs.toFixed(0)} ms CPU (target < 2,000 ms) ${big.cpuMs < 2000 ? '✓' : '✗'}, ${big.changes} changes; peak RSS, read + plan ${big.rss.toFixed(0)} MB (target < 500 MB) ${big.rss < 500 ? '✓' : '✗'}`,
  );
  console.log(
    `  ${'100,000 people, 5 more plans timed'.padEnd(38)} peak RSS ${big.rssAfterTiming.toFixed(0)} MB (their garbage, collected late)`,
  );
  console.log(`  ${'10× the people'.padEnd(38)} ${ratio.toFixed(1)}× the planning CPU (target ≤ 11×) ${ratio <= 11 ? '✓' : '✗'}`);
  // This machine has 24 GB: V8 sizes its heap for that and collects lazily, so most of the peak
  // after the timed plans is garbage not yet collected. The same run in a process whose heap is sized as V8 sizes
  // it for a ~2 GB Lambda shows what the run needs.
  const capped = await inOwnProcess<{ cpuMs: number; rss: number }>('scale-one', {
    execArgv: [`--max-old-space-size=${CAPPED_HEAP_MB}`],
    env: { BENCH_USERS: '100000' },
  });
  console.log(
    `  ${`100,000 people, heap ${CAPPED_HEAP_MB} MB`.padEnd(38)} plan ${capped.cpuMs.toFixed(0)} ms CPU (target < 2,000 ms) ${capped.cpuMs < 2000 ? '✓' : '✗'}; peak RSS, read + plan ${capped.rss.toFixed(0)} MB (target < 600 MB) ${capped.rss < 600 ? '✓' : '✗'}`,
  );
}

/** The old-space limit V8 picks for about 2 GB of memory (a 1,769 MB reconcile-job has about that). */
const CAPPED_HEAP_MB = 512;
