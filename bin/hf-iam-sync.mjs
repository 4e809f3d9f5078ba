#!/usr/bin/env node
// Entry point of the CLI: runs the TypeScript sources through tsx (a dependency), so there is no build step.
import { createInterface } from 'node:readline/promises';
import { register } from 'tsx/esm/api';

// The AWS SDK nags about Node 20 on every run; Lambda runs nodejs22.x, and Node 20 is supported here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/main.ts');
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
