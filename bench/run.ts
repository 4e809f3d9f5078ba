import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { computePlan } from '../shared/domain/compute-plan.js';
import { parseConfig } from '../shared/runtime/config.js';
import { compose } from '../shared/runtime/compose.js';
import { reconcile } from '../shared/reconcile/reconcile.js';
import { readInputs } from '../shared/reconcile/read-inputs.js';
import { searchChunks } from '../shared/adapters/okta/okta-directory.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../sandbox/seed.js';

/**
 * npm run bench — the reconcile engine on a synthetic org (10,000 Okta users in 50 groups against
 * 10,000 Hub members, 10% drift, 1% leavers). Prints API calls made vs the minimum the reads and
 * changes need, planning time, wall time and peak RSS of this process (the stand-ins run in a
 * child process so their fixtures are not counted).
 */

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 50);
const OKTA_GROUP_PAGE = 1000;
const OKTA_USER_PAGE = 200;
const HUB_MEMBER_PAGE = 10_000;

type Counts = { total: number; byRoute: Record<string, number> };
interface Ready { type: 'ready'; configText: string; dynamoEndpoint: string }

const child = fork(fileURLToPath(new URL('./sandbox-process.ts', import.meta.url)), {
  execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_USERS: String(USERS), BENCH_GROUPS: String(GROUPS) },
});
const nextMessage = <T>(type: string) => new Promise<T>((resolve) => {
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
const { ports, close } = await compose(config, { okta: { mode: 'SSWS', token: SANDBOX_OKTA_TOKEN }, hfToken: SANDBOX_HF_TOKEN, hfScimToken: undefined }, {
  state: { kind: 'dynamodb', location: { table: 'hf-iam-sync', endpoint: ready.dynamoEndpoint } },
});
await counts();

// 1. Planning alone, on inputs read once: median of 7 runs.
const inputs = await readInputs(ports, config, { kind: 'organization' });
await counts();
const planTimes: number[] = [];
let plan = computePlan(inputs);
for (let i = 0; i < 7; i += 1) {
  const t = performance.now();
  plan = computePlan(inputs);
  planTimes.push(performance.now() - t);
}
planTimes.sort((a, b) => a - b);

// 2. A whole apply run: lease, reads, plan, changes, audit trail.
const wallStart = performance.now();
const applied = await reconcile(ports, config, { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 'bench', concurrency: 8 });
const wallMs = performance.now() - wallStart;
const applyCounts = await counts();

// 3. The next plan: converged, reads only.
const replanStart = performance.now();
const again = await reconcile(ports, config, { dryRun: true, scope: { kind: 'organization' }, trigger: 'cli', actor: 'bench' });
const replanMs = performance.now() - replanStart;
const replanCounts = await counts();

// The minimum: every page the reads need at the APIs' largest page sizes, plus one call per change.
// The group search is split only where one expression would overflow the SDK's Link parser.
const members = inputs.directory.members;
const groupPages = Object.values(members).reduce((n, ids) => n + Math.max(1, Math.ceil(ids.length / OKTA_GROUP_PAGE)), 0);
const linked = inputs.directory.users.filter((u) => u.hfUsername).length;
const searches = searchChunks([...config.rules.map((r) => `profile.name eq "${r.group}"`)]).length;
const oktaMin = searches + groupPages + Math.max(1, Math.ceil(linked / OKTA_USER_PAGE));
const hubReadMin = 1 + Math.max(1, Math.ceil(inputs.hub.members.length / HUB_MEMBER_PAGE));
const hubMin = hubReadMin + applied.plan.changes.length;
const rssMb = process.resourceUsage().maxRSS / 1024;

const row = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`);
console.log(`\nreconcile benchmark: ${USERS.toLocaleString('en')} Okta users in ${GROUPS} groups, ${inputs.hub.members.length.toLocaleString('en')} Hub members`);
row('changes planned (add/change/remove)', `${plan.summary.add}/${plan.summary.change}/${plan.summary.remove} (blocked ${plan.summary.blocked})`);
row('Okta API calls (apply run) / minimum', `${applyCounts.okta.total} / ${oktaMin} ${applyCounts.okta.total === oktaMin ? '✓' : '✗'}`);
row('Hub API calls (apply run) / minimum', `${applyCounts.hub.total} / ${hubMin} ${applyCounts.hub.total === hubMin ? '✓' : '✗'}`);
row('applied / failed', `${applied.result?.applied.length ?? 0} / ${applied.result?.failed.length ?? 0}`);
row('planning time (computePlan, median of 7)', `${planTimes[3]!.toFixed(1)} ms (target < 200 ms) ${planTimes[3]! < 200 ? '✓' : '✗'}`);
row('wall time, apply run', `${(wallMs / 1000).toFixed(2)} s`);
row('wall time, converged re-plan', `${(replanMs / 1000).toFixed(2)} s, ${again.plan.changes.length} changes, Okta ${replanCounts.okta.total} + Hub ${replanCounts.hub.total} calls (minimum ${oktaMin} + ${hubReadMin})`);
row('peak RSS of this process', `${rssMb.toFixed(0)} MB (target < 300 MB) ${rssMb < 300 ? '✓' : '✗'}`);
console.log('\n  calls by route (apply run):');
for (const [route, n] of Object.entries({ ...applyCounts.okta.byRoute, ...applyCounts.hub.byRoute })) console.log(`    ${String(n).padStart(6)}  ${route}`);

await close();
child.send({ type: 'stop' });
