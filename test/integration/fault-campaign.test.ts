import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandInServer } from '../../sandbox/http-kit.js';
import { reference, runSchedule, type Reference, type ScheduleResult } from '../chaos/campaign.js';

/**
 * A seeded fault-injection campaign through the CLI's apply (see test/chaos/campaign.ts for the
 * faults and the five properties). `CHAOS_SCHEDULES` sets how many run here; `npm run chaos` runs
 * thousands. A failing seed reproduces alone: CHAOS_FIRST_SEED=<seed> CHAOS_SCHEDULES=1.
 */

const COUNT = Number(process.env.CHAOS_SCHEDULES ?? 250);
const FIRST = Number(process.env.CHAOS_FIRST_SEED ?? 1);
/**
 * Schedules run three at a time, each in a sandbox of its own with its own foreign origin: a
 * schedule's hang waits out its deadline while the others run (each run's deadline is its own).
 */
const WORKERS = 3;
let ref: Reference;
let foreign: StandInServer[];

beforeAll(async () => {
  foreign = Array.from({ length: WORKERS }, () => new StandInServer());
  for (const server of foreign) server.route('GET', '/{any}', () => ({ status: 200, body: [] }));
  await Promise.all(foreign.map((server) => server.start()));
  ref = await reference();
});
afterAll(async () => {
  await Promise.all((foreign ?? []).map((server) => server.stop()));
});

describe('fault campaign', () => {
  it(`${COUNT} seeded fault schedules: no wrong write, no entitled person harmed, no silent success, and a clean rerun converges`, async () => {
    const results: ScheduleResult[] = [];
    let next = FIRST;
    await Promise.all(
      foreign.map(async (origin) => {
        while (next < FIRST + COUNT) results.push(await runSchedule(next++, ref, origin));
      }),
    );
    results.sort((a, b) => a.seed - b.seed);
    const failing = results.filter((r) => r.violations.length > 0);
    const kinds = new Set(results.flatMap((r) => r.faults.map((f) => f.kind)));
    console.info(
      `fault campaign: ${results.length} schedules, ${results.filter((r) => r.exit === 0).length} exited 0, fault kinds ${[...kinds].sort().join(', ')}; violations: ${failing.length}`,
    );
    expect(kinds.size).toBeGreaterThanOrEqual(9); // the campaign really exercised the fault kinds
    expect(
      failing.map((r) => ({
        seed: r.seed,
        faults: r.faults.map((f) => `${f.side} ${f.method} ${f.path} ${f.kind} skip ${f.skip} ×${f.times}`),
        violations: r.violations,
      })),
    ).toEqual([]);
  }, 600_000);
});
