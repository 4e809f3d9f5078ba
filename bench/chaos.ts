import { StandInServer } from '../sandbox/http-kit.js';
import { reference, runSchedule, type ScheduleResult } from '../test/chaos/campaign.js';

/**
 * `npm run chaos`: the fault campaign of test/integration/fault-campaign.test.ts at length —
 * CHAOS_SCHEDULES schedules (default 2,000) from CHAOS_FIRST_SEED (default 1) — printing the count,
 * the fault kinds, how runs ended, and every violation with its seed. Exit 1 on any violation.
 */

const COUNT = Number(process.env.CHAOS_SCHEDULES ?? 2000);
const FIRST = Number(process.env.CHAOS_FIRST_SEED ?? 1);

const foreign = new StandInServer();
foreign.route('GET', '/{any}', () => ({ status: 200, body: [] }));
await foreign.start();
const started = Date.now();
const ref = await reference();
const results: ScheduleResult[] = [];
for (let seed = FIRST; seed < FIRST + COUNT; seed += 1) {
  results.push(await runSchedule(seed, ref, foreign));
  if ((seed - FIRST + 1) % 100 === 0)
    process.stderr.write(`  … ${seed - FIRST + 1} schedules, ${results.filter((r) => r.violations.length).length} with violations\n`);
}
await foreign.stop();

const kinds = new Map<string, number>();
for (const f of results.flatMap((r) => r.faults)) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
const failing = results.filter((r) => r.violations.length > 0);
console.log(
  `fault campaign: ${results.length} schedules (seeds ${FIRST}–${FIRST + COUNT - 1}), ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
console.log(
  `  faults injected                        ${[...kinds]
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}`,
);
console.log(
  `  runs that exited 0 / non-zero          ${results.filter((r) => r.exit === 0).length} / ${results.filter((r) => r.exit !== 0).length}`,
);
console.log(`  schedules with violations              ${failing.length}`);
for (const r of failing) console.log(`    seed ${r.seed}: ${r.violations.join('; ')}`);
process.exitCode = failing.length > 0 ? 1 : 0;
