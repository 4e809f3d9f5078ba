import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * The CLI's start-up as a user's shell sees it: `hf-iam-sync --help` from the built JavaScript
 * (dist/cli/, as npm installs it) against a bare `node -e 0`, fresh processes taking turns; wall
 * time, median of 15.
 */

const run = promisify(execFile);
const RUNS = 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, args).catch((e: { code?: number }) => {
    if (e.code !== 2) throw e; // --help without a command answers on stderr with the usage exit code
  });
  return performance.now() - started;
}

export async function runCliStartupBench(): Promise<void> {
  await run(process.execPath, ['scripts/build-cli.mjs']);
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    bare.push(await timed(['-e', '0']));
    help.push(await timed(['dist/cli/hf-iam-sync.mjs', '--help']));
  }
  const ratio = median(help) / median(bare);
  console.log(`\nCLI start-up: fresh processes taking turns, median of ${RUNS}`);
  console.log(
    `  ${'hf-iam-sync --help'.padEnd(38)} ${median(help).toFixed(0)} ms = ${ratio.toFixed(1)}× node -e 0's ${median(bare).toFixed(0)} ms (target ≤ 3×) ${ratio <= 3 ? '✓' : '✗'}`,
  );
}
