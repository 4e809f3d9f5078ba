import { reconcile } from '../shared/reconcile/reconcile.js';
import { parseConfig } from '../shared/runtime/config.js';
import { composeForSandbox, startSandbox } from '../sandbox/sandbox.js';

/**
 * Pacing to the Hub's fixed window: an org apply of BENCH_PACED_CHANGES upgrades (default 500)
 * against a Hub that allows 100 calls per 10 s per token — the achieved write rate ÷ the allowed
 * rate, and the 429s met; then the same with a Hub that sends only Retry-After (no RateLimit
 * headers): how many changes failed.
 */

const CHANGES = Number(process.env.BENCH_PACED_CHANGES ?? 500);

async function run(headers: 'ratelimit' | 'retry-after-only') {
  const sandbox = await startSandbox();
  const write = sandbox.okta.groupByName('hf-acme-write');
  for (let i = 0; i < CHANGES; i += 1) {
    sandbox.okta.addToGroup(write.id, sandbox.okta.addUser({ login: `paced${i}@acme.example`, profile: { hfUsername: `paced${i}` } }).id);
    sandbox.hub.addMember(`paced${i}`, 'read');
  }
  const config = parseConfig(sandbox.configText, 'bench.yaml');
  const { ports, close } = await composeForSandbox(config, sandbox.dynamoEndpoint);
  sandbox.hub.quota = 100;
  sandbox.hub.windowSeconds = 10;
  sandbox.hub.rateLimitHeaders = headers;
  let firstWrite = 0;
  let lastWrite = 0;
  sandbox.hub.latencyFor = (method, path) => {
    if (method === 'PUT' && /\/members\/paced\d+\/role$/.test(path)) {
      lastWrite = performance.now();
      firstWrite ||= lastWrite;
    }
    return 0;
  };
  const outcome = await reconcile(ports, config, {
    dryRun: false,
    scope: { kind: 'organization' },
    trigger: 'cli',
    actor: 'bench',
    execution: { concurrency: 8 },
  });
  const applied = outcome.result?.applied.filter((r) => r.user.startsWith('paced')).length ?? 0;
  const failed = outcome.result?.failed.length ?? 0;
  const rejected = sandbox.hub.calls.filter((c) => c.status === 429).length;
  await close();
  await sandbox.stop();
  const seconds = (lastWrite - firstWrite) / 1000;
  return { applied, failed, rejected, ratio: (applied - 1) / seconds / (100 / 10), seconds };
}

export async function runPacingBench(): Promise<void> {
  console.log(`\npacing benchmark: an org apply of ${CHANGES} upgrades against a Hub allowing 100 calls / 10 s per token`);
  const a = await run('ratelimit');
  console.log(
    `  ${'RateLimit + RateLimit-Policy'.padEnd(38)} write rate ${(a.ratio * 100).toFixed(1)} % of allowed (target ≥ 95 %) ${a.ratio >= 0.95 ? '✓' : '✗'}, 429s ${a.rejected} (target 0) ${a.rejected === 0 ? '✓' : '✗'}; applied ${a.applied}, failed ${a.failed}, writes over ${a.seconds.toFixed(1)} s`,
  );
  const b = await run('retry-after-only');
  console.log(
    `  ${'Retry-After only'.padEnd(38)} failed changes ${b.failed} (target 0) ${b.failed === 0 ? '✓' : '✗'}; applied ${b.applied}, 429s ${b.rejected}, write rate ${(b.ratio * 100).toFixed(1)} % of allowed`,
  );
}
