import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { startSandbox } from '../sandbox/sandbox.js';

/**
 * Cold start of the bundled okta-event function (the same esbuild settings serverless.yml uses)
 * against an empty bundled handler, in the same run: bundle size, and time from a fresh Node
 * process's start to the handler's first response (here: a real deactivation against the
 * sandbox; the empty handler returns at once). Median of 5 fresh processes each; both include
 * Node's own start-up, so the difference is what the function adds.
 */

async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, keepNames: true,
    external: ['dynalite'], logLevel: 'silent',
  });
  return (await stat(outfile)).size;
}

/** Wall time of a fresh `node` process that loads the bundle and answers one event, then exits. */
async function firstResponseMs(file: string, eventJson: string, env: Record<string, string>): Promise<number> {
  const script = `const { handler } = require(${JSON.stringify(file)});
Promise.resolve(handler(${eventJson}, { functionName: 'cold', awsRequestId: 'c', getRemainingTimeInMillis: () => 60000 }))
  .then(() => process.exit(0), (e) => { process.stderr.write(String(e)); process.exit(1); });`;
  const started = performance.now();
  // Asynchronous: the sandbox answering the child runs in this process's event loop.
  await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, ...env } });
  return Math.round(performance.now() - started);
}

export async function runColdStartBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-cold-'));
  await writeFile(join(dir, 'empty.ts'), 'export const handler = async () => ({ ok: true });\n');
  const realSize = await bundle(resolve('functions/okta-event/handler.ts'), join(dir, 'okta-event.cjs'));
  const emptySize = await bundle(join(dir, 'empty.ts'), join(dir, 'empty.cjs'));
  const sandbox = await startSandbox();
  await writeFile(join(dir, 'config.yaml'), sandbox.configText);
  const env = { ...sandbox.env, HF_IAM_SYNC_CONFIG: join(dir, 'config.yaml'), EVENT_BUS_NAME: 'cold', EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const emptyRuns: number[] = [];
  for (let i = 0; i < 5; i += 1) emptyRuns.push(await firstResponseMs(join(dir, 'empty.cjs'), '{}', env));
  const empty = median(emptyRuns);
  const real: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    // An active, entitled person with nothing to change: the whole read path runs, no write.
    const event = sandbox.okta.emit('user.account.update_profile', [sandbox.okta.userByLogin('dennis@acme.example')]);
    real.push(await firstResponseMs(join(dir, 'okta-event.cjs'), JSON.stringify({ 'detail-type': 'SystemLog', source: 'aws.partner/okta.com/x/y', detail: event }), env));
  }
  await sandbox.stop();
  console.log('\ncold start (fresh node process → first response, median of 5):');
  console.log(`  ${'okta-event bundle'.padEnd(38)} ${(realSize / 1024).toFixed(0)} KiB, ${median(real)} ms`);
  console.log(`  ${'empty handler bundle'.padEnd(38)} ${(emptySize / 1024).toFixed(1)} KiB, ${empty} ms`);
}
