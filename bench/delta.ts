import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { computePlan } from '../shared/domain/compute-plan.js';
import type { Plan } from '../shared/domain/plan.js';
import { readInputs } from '../shared/reconcile/read-inputs.js';
import { parseConfig } from '../shared/runtime/config.js';
import { composeForSandbox } from '../sandbox/sandbox.js';
import { inOwnProcess } from './own-process.js';

/**
 * Delta reads (`BENCH_ONLY=delta npm run bench`): for 10,000 and 100,000 people (the synthetic
 * org, Okta's last changes an hour old), the first read (full, snapshot saved), a read when
 * nothing changed, and a read after 1% of the people changed (half a profile change, half a move
 * between groups) — Okta calls against the goal (groups pages + changed groups' pages +
 * users-changed pages + 2), wall time, whether the delta plan equals a full read's, and peak RSS
 * (the first run's read + plan against the targets: < 250 MB at 10k, < 500 MB at 100k).
 * Each size runs in a process of its own, with the heap V8 picks on this machine.
 */

const ORG = { kind: 'organization' } as const;
const PAGE = 200;
const withoutRead = ({ oktaRead: _read, ...plan }: Plan) => plan;

type Counts = { total: number; byRoute: Record<string, number> };

export async function measureDelta(users: number) {
  const child = fork(resolve('bench/sandbox-process.ts'), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_USERS: String(users), BENCH_GROUPS: '50' },
  });
  const next = <T>(type: string) =>
    new Promise<T>((done) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', on);
        done(m as T);
      };
      child.on('message', on);
    });
  const counts = async () => {
    const answer = next<{ okta: Counts }>('counts');
    child.send({ type: 'counts' });
    return (await answer).okta;
  };
  const ready = await next<{ configText: string; dynamoEndpoint: string }>('ready');
  const config = parseConfig(ready.configText, 'bench.yaml');
  const { ports, close } = await composeForSandbox(config, ready.dynamoEndpoint);
  const timed = async () => {
    const started = performance.now();
    const inputs = await readInputs(ports, config, ORG);
    return { inputs, ms: performance.now() - started, okta: await counts() };
  };
  await counts();
  // The first run: a full read (the snapshot saved) and its plan — one run's peak memory at this size.
  const first = await timed().then(({ inputs, ...read }) => ({ ...read, changes: computePlan(inputs).changes.length }));
  const firstRss = process.resourceUsage().maxRSS / 1024;
  const groupSearch = first.okta.byRoute['GET /api/v1/groups'] ?? 0;
  const converged = await timed();
  const drifted = next<{ updated: number; movedGroups: string[] }>('drifted');
  child.send({ type: 'drift', percent: 1 });
  const { updated, movedGroups } = await drifted;
  const changed = await timed();
  const movedPages = movedGroups.reduce(
    (n, id) => n + Math.max(1, Math.ceil((changed.inputs.directory.members[id]?.length ?? 0) / PAGE)),
    0,
  );
  const deltaPlan = JSON.stringify(withoutRead(computePlan(changed.inputs)));
  const fullPlan = JSON.stringify(withoutRead(computePlan(await readInputs(ports, config, ORG, { snapshot: 'none' }))));
  const rss = process.resourceUsage().maxRSS / 1024;
  await close();
  child.send({ type: 'stop' });
  await new Promise((done) => child.once('exit', done));
  return {
    full: { calls: first.okta.total, ms: first.ms, changes: first.changes, rss: firstRss },
    converged: { calls: converged.okta.total, ms: converged.ms, goal: groupSearch + 1 + 2, read: converged.inputs.oktaRead },
    changed: {
      calls: changed.okta.total,
      ms: changed.ms,
      goal: groupSearch + movedPages + Math.max(1, Math.ceil(updated / PAGE)) + 2,
      updated,
      movedGroups: movedGroups.length,
      read: changed.inputs.oktaRead,
    },
    equal: deltaPlan === fullPlan,
    rss,
  };
}

export async function runDeltaBench(): Promise<void> {
  console.log('\ndelta reads benchmark: the first read (full), then nothing changed, then 1% of the people changed');
  for (const users of [10_000, 100_000]) {
    const m = await inOwnProcess<Awaited<ReturnType<typeof measureDelta>>>('delta-one', { env: { BENCH_USERS: String(users) } });
    const label = (what: string) => `${users.toLocaleString('en')} people, ${what}`.padEnd(38);
    const ok = (good: boolean) => (good ? '✓' : '✗');
    console.log(`  ${label('full read')} Okta ${m.full.calls} calls, ${(m.full.ms / 1000).toFixed(2)} s (snapshot saved)`);
    const target = users >= 100_000 ? 500 : 250;
    console.log(
      `  ${label('peak RSS, read + plan')} ${m.full.rss.toFixed(0)} MB (target < ${target} MB) ${ok(m.full.rss < target)}; ${m.full.changes} changes planned`,
    );
    console.log(
      `  ${label('nothing changed')} Okta ${m.converged.calls} calls (goal ≤ ${m.converged.goal}) ${ok(m.converged.calls <= m.converged.goal)}, ${(m.converged.ms / 1000).toFixed(2)} s`,
    );
    console.log(
      `  ${label('1% changed')} Okta ${m.changed.calls} calls (goal ≤ ${m.changed.goal}: ${m.changed.movedGroups} groups moved, ${m.changed.updated} users updated) ${ok(m.changed.calls <= m.changed.goal)}, ${(m.changed.ms / 1000).toFixed(2)} s; plan equals a full read's ${ok(m.equal)}`,
    );
    console.log(`  ${label('peak RSS, all of it')} ${m.rss.toFixed(0)} MB (four org reads, three plans; no target)`);
  }
}
