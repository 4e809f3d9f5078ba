import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { computePlan } from '../shared/domain/compute-plan.js';
import { parseConfig } from '../shared/runtime/config.js';
import { reconcile } from '../shared/reconcile/reconcile.js';
import { readInputs } from '../shared/reconcile/read-inputs.js';
import { runColdStartBench } from './cold-start.js';
import { burst, runOffboardingBench } from './offboarding.js';
import { runPacingBench } from './pacing.js';
import { runRotationBench } from './rotation.js';
import { measure as measureScale, runScaleBench } from './scale.js';
import { runJobSimulation } from './job-simulation.js';
import { runCiTokenBench } from './ci-token.js';
import { runAuditForwardingBench } from './audit-forwarding.js';
import { runCliStartupBench } from './cli-startup.js';
import { measureDelta, runDeltaBench } from './delta.js';

import { searchChunks } from '../shared/adapters/okta/okta-directory.js';
import { composeForSandbox } from '../sandbox/sandbox.js';

// The CI token broker stands alone (its own sandbox, a Hub 50 ms away).
if (process.env.BENCH_ONLY === 'ci-token') {
  await runCiTokenBench();
  process.exit(0);
}

// The CLI's start-up stands alone (fresh processes, nothing else running).
if (process.env.BENCH_ONLY === 'cli') {
  await runCliStartupBench();
  process.exit(0);
}

// The audit forwarder stands alone (its own stand-ins and DynamoDB Local).
if (process.env.BENCH_ONLY === 'audit') {
  await runAuditForwardingBench();
  process.exit(0);
}

// The reconcile job on simulated time stands alone (it fakes the clock of this process).
if (process.env.BENCH_ONLY === 'job') {
  await runJobSimulation();
  process.exit(0);
}

// One measurement of planning at size, in a process of its own (scale.ts starts it with a heap cap).
if (process.env.BENCH_ONLY === 'scale-one') {
  process.stdout.write(`${JSON.stringify(await measureScale(Number(process.env.BENCH_USERS)))}\n`);
  process.exit(0);
}

// The burst in a process of its own (offboarding.ts starts it): what the measurements before it
// left in the benchmark's process — its heap, the stand-ins' logs — does not slow its stand-ins.
if (process.env.BENCH_ONLY === 'burst-one') {
  process.stdout.write(`${JSON.stringify(await burst(50))}\n`);
  process.exit(0);
}

// Delta reads at one size, in a process of its own (delta.ts starts it).
if (process.env.BENCH_ONLY === 'delta-one') {
  process.stdout.write(`${JSON.stringify(await measureDelta(Number(process.env.BENCH_USERS)))}\n`);
  process.exit(0);
}

// Delta reads stand alone (each size with its own stand-ins).
if (process.env.BENCH_ONLY === 'delta') {
  await runDeltaBench();
  process.exit(0);
}

// Planning at size stands alone (it starts its own stand-ins, at 10k and 100k people).
if (process.env.BENCH_ONLY === 'scale') {
  await runScaleBench();
  process.exit(0);
}

/**
 * npm run bench (from the repository root) — the reconcile engine on a synthetic org (10,000 Okta users in 50 groups against
 * 10,000 Hub members, 10% drift, 1% leavers). Prints API calls made vs the minimum the reads and
 * changes need, planning time, wall time and peak RSS of this process (the stand-ins run in a
 * child process so their fixtures are not counted).
 */

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 50);
// The page size Okta recommends and the product asks for (the endpoints allow up to 1,000 group members a page).
const OKTA_GROUP_PAGE = 200;
const OKTA_USER_PAGE = 200;
const HUB_MEMBER_PAGE = 10_000;

/** BENCH_TRACE=1 prints memory at phase boundaries (run with --expose-gc to see live heap too). */
const trace = (phase: string) => {
  if (!process.env.BENCH_TRACE) return;
  const before = process.memoryUsage();
  (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage();
  console.error(
    `[trace] ${phase}: rss ${(before.rss / 1048576).toFixed(0)} MB, heap ${(before.heapUsed / 1048576).toFixed(0)} MB, live heap after gc ${(after.heapUsed / 1048576).toFixed(0)} MB`,
  );
};

type Counts = { total: number; byRoute: Record<string, number> };
interface Ready {
  type: 'ready';
  configText: string;
  dynamoEndpoint: string;
}

// This file runs bundled (as the functions ship, without a TypeScript loader in the measured
// process); the sandbox child runs from source through tsx.
const child = fork(resolve('bench/sandbox-process.ts'), {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, BENCH_USERS: String(USERS), BENCH_GROUPS: String(GROUPS) },
});
const nextMessage = <T>(type: string) =>
  new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
  });
const counts = async () => {
  const answer = nextMessage<{ okta: Counts; hub: Counts }>('counts');
  child.send({ type: 'counts' });
  return answer;
};

child.on('exit', (code) => {
  if (code) console.error(`benchmark sandbox exited with ${code}`);
});
process.on('exit', () => child.kill());
const ready = await nextMessage<Ready>('ready');
const config = parseConfig(ready.configText, 'bench.yaml');
const { ports, close } = await composeForSandbox(config, ready.dynamoEndpoint);
await counts();
trace('composed');

// 1. A whole apply run: lease, reads, plan, changes, audit trail.
const wallStart = performance.now();
const applied = await reconcile(ports, config, {
  dryRun: false,
  scope: { kind: 'organization' },
  trigger: 'cli',
  actor: 'bench',
  execution: { concurrency: 8 },
});
const wallMs = performance.now() - wallStart;
trace('applied');
const applyCounts = await counts();

// 2. The next plan: converged, reads only — in full (`--full`): the figure is a full read's calls (delta reads: delta.ts).
const replanStart = performance.now();
const again = await reconcile(ports, config, {
  dryRun: true,
  scope: { kind: 'organization', fullRead: true },
  trigger: 'cli',
  actor: 'bench',
});
const replanMs = performance.now() - replanStart;
const replanCounts = await counts();

const applyRssMb = process.resourceUsage().maxRSS / 1024;
const planned = applied.plan.summary;

// 3. Planning alone, on inputs read once more: median of 7 runs. It runs last, so its garbage
// (seven plans of 10,000 people) does not inflate the apply run's peak memory.
async function measurePlanning() {
  const inputs = await readInputs(ports, config, { kind: 'organization' }, { snapshot: 'none' });
  trace('inputs read');
  await counts();
  const times: number[] = [];
  let plan = computePlan(inputs);
  for (let i = 0; i < 7; i += 1) {
    const t = performance.now();
    plan = computePlan(inputs);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  trace('planned x8');
  // The minimum: every page the reads need at the page sizes the product uses, plus one call per change.
  // The group search is split only where one expression would overflow the SDK's Link parser.
  const groupPages = Object.values(inputs.directory.members).reduce(
    (n, ids) => n + Math.max(1, Math.ceil(ids.length / OKTA_GROUP_PAGE)),
    0,
  );
  const linked = inputs.directory.users.filter((u) => u.hfUsername).length;
  const searches = searchChunks(config.rules.map((r) => `profile.name eq "${r.group}"`)).length;
  const hubMembers = inputs.hub.members.length;
  return {
    medianMs: times[3]!,
    summary: plan.summary,
    hubMembers,
    members: inputs.hub.members.map((m) => [m.user.toLowerCase(), m.fullname.toLowerCase()] as const),
    oktaMin: searches + groupPages + Math.max(1, Math.ceil(linked / OKTA_USER_PAGE)),
    hubReadMin: 1 + Math.max(1, Math.ceil(hubMembers / HUB_MEMBER_PAGE)),
  };
}
const { medianMs, hubMembers, members, oktaMin, hubReadMin } = await measurePlanning();

// Each loss is confirmed by reading that person alone before it is written (see the README's safety
// model): someone whose Okta status grants nothing costs their Okta user and their Hub member; an
// entitled person also the group search, the Hub's resource groups and their groups.
const statusOf = new Map(applied.plan.changes.map((c) => [c.id, c.reasons.join(' ')]));
const losses = applied.plan.changes.filter((c) => c.effect === 'revoke' || c.effect === 'downgrade' || c.effect === 'mixed');
const entitledLosses = losses.filter((c) => !/DEPROVISIONED|SUSPENDED|STAGED|PROVISIONED/.test(statusOf.get(c.id) ?? '')).length;
const confirmOkta = losses.length + entitledLosses * (1 + searchChunks(config.rules.map((r) => `profile.name eq "${r.group}"`)).length);
// The Hub member lookup is a substring search (`?search=`, 100 a page): `p1` also finds p10…p1999.
const searchPages = (user: string) =>
  Math.max(1, Math.ceil(members.filter(([u, f]) => u.includes(user.toLowerCase()) || f.includes(user.toLowerCase())).length / 100));
const confirmHub = losses.reduce((n, c) => n + searchPages(c.user), 0) + entitledLosses;
// Each batch of the stored plan reads the members once (the stale-plan check; one call per page).
const batches = (await ports.state.getStoredPlan(applied.runId))?.batches ?? 0;
const batchReads = batches * Math.max(1, Math.ceil(hubMembers / HUB_MEMBER_PAGE));
const hubMin = hubReadMin + batchReads + applied.plan.changes.length + confirmHub;
const oktaApplyMin = oktaMin + confirmOkta;

const row = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`);
console.log(
  `\nreconcile benchmark: ${USERS.toLocaleString('en')} Okta users in ${GROUPS} groups, ${hubMembers.toLocaleString('en')} Hub members`,
);
row('changes planned (add/change/remove)', `${planned.add}/${planned.change}/${planned.remove} (blocked ${planned.blocked})`);
// Confirmations that overlap in time read their Okta users together (one filter call), so the apply
// run may need fewer than one call per loss: at most the minimum, and the reads exactly.
row(
  'Okta API calls (apply run) / at most',
  `${applyCounts.okta.total} / ${oktaApplyMin} ${applyCounts.okta.total <= oktaApplyMin && replanCounts.okta.total === oktaMin ? '✓' : '✗'} (reads ${oktaMin} + confirming ${losses.length} losses ≤ ${confirmOkta})`,
);
row(
  'Hub API calls (apply run) / minimum',
  `${applyCounts.hub.total} / ${hubMin} ${applyCounts.hub.total === hubMin ? '✓' : '✗'} (reads ${hubReadMin} + ${batches} batch(es) reading ${batchReads} pages + changes ${applied.plan.changes.length} + confirming ${confirmHub})`,
);
row('applied / failed', `${applied.result?.applied.length ?? 0} / ${applied.result?.failed.length ?? 0}`);
row('planning time (computePlan, median of 7)', `${medianMs.toFixed(1)} ms (target < 200 ms) ${medianMs < 200 ? '✓' : '✗'}`);
row('wall time, apply run', `${(wallMs / 1000).toFixed(2)} s`);
row(
  'wall time, converged re-plan',
  `${(replanMs / 1000).toFixed(2)} s, ${again.plan.changes.length} changes, Okta ${replanCounts.okta.total} + Hub ${replanCounts.hub.total} calls (minimum ${oktaMin} + ${hubReadMin})`,
);
row('peak RSS through apply + re-plan', `${applyRssMb.toFixed(0)} MB (target < 250 MB) ${applyRssMb < 250 ? '✓' : '✗'}`);
row('peak RSS incl. 8 back-to-back plans', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
console.log('\n  calls by route (apply run):');
for (const [route, n] of Object.entries({ ...applyCounts.okta.byRoute, ...applyCounts.hub.byRoute }))
  console.log(`    ${String(n).padStart(6)}  ${route}`);

await close();
child.send({ type: 'stop' });

if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'offboarding') await runOffboardingBench();
if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'cold-start') await runColdStartBench();
if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'rotation') await runRotationBench();
if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'pacing') await runPacingBench();
if (!process.env.BENCH_ONLY) await runCiTokenBench();
if (!process.env.BENCH_ONLY) await runAuditForwardingBench();
if (!process.env.BENCH_ONLY) await runCliStartupBench();
if (!process.env.BENCH_ONLY) await runDeltaBench();
