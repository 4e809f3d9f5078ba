import { createInterface } from 'node:readline/promises';
import { main } from './main.js';

/**
 * The `hf-iam-sync` command: the process's terminal, environment and exit code around `main`.
 * Built to dist/hf-iam-sync.mjs (scripts/build-cli.mjs, at `npm ci` and `npm pack`).
 */

// The AWS SDK nags about Node 20 on every run; Lambda runs nodejs22.x, and Node 20 is supported here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  prompt: tty
    ? async (question) => {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return await rl.question(question);
        } finally {
          rl.close();
        }
      }
    : undefined,
  color: Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env),
  // On stderr, so `--json > plan.json` stays clean; an empty line clears it.
  progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[2K${line}`) : undefined,
});
process.exitCode = code;
