import { execFile, fork } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { compileConfig } from '../shared/runtime/config.js';

/**
 * A function bundled as serverless.yml packages it (esbuild, CJS, minified, names kept, the
 * esbuild plugins of scripts/esbuild-plugins.cjs), and a fresh Node process that loads it and
 * answers one event: what a Lambda cold start runs.
 */

const plugins = createRequire(import.meta.url)(resolve('scripts/esbuild-plugins.cjs')) as Plugin[];

/** Bundles `entry` to `outfile`; answers its size in bytes. */
export async function bundleFunction(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    keepNames: true,
    external: ['dynalite'],
    logLevel: 'silent',
    plugins,
  });
  return (await stat(outfile)).size;
}

/**
 * The environment a bundled function runs with locally, as the stack gives it: `env` (the
 * sandbox's endpoints and secrets, the caller's own), a Lambda's AWS settings with dummy keys,
 * quiet logs, and the configuration compiled from `configText` as the package step does (written
 * into `dir`).
 */
export async function bundledFunctionEnv(dir: string, configText: string, env: Record<string, string>): Promise<Record<string, string>> {
  const config = join(dir, 'config.json');
  await writeFile(config, compileConfig(configText, 'config.yaml'));
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
    HF_IAM_SYNC_CONFIG: config,
  };
}

/**
 * Wall time of a fresh `node` process that loads the bundle and answers `event` (read from a file:
 * an event can be larger than one command-line argument may be), and the answer.
 */
export async function coldInvoke(
  file: string,
  event: unknown,
  env: Record<string, string | undefined>,
): Promise<{ ms: number; result: unknown }> {
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-invoke-'));
  const eventFile = join(dir, 'event.json');
  await writeFile(eventFile, JSON.stringify(event));
  const script = `const { handler } = require(${JSON.stringify(file)});
const event = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(eventFile)}, 'utf8'));
const started = Date.now();
Promise.resolve(handler(event, { functionName: 'cold', awsRequestId: 'c', getRemainingTimeInMillis: () => 60000 - (Date.now() - started) }))
  .then((r) => { process.stdout.write('\\n@@RESULT@@' + JSON.stringify(r ?? null)); process.exit(0); }, (e) => { process.stderr.write(String(e)); process.exit(1); });`;
  try {
    const started = performance.now();
    // Asynchronous: stand-ins answering the child may run in this process's event loop.
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    const ms = Math.round(performance.now() - started);
    return { ms, result: JSON.parse(stdout.slice(stdout.lastIndexOf('@@RESULT@@') + 10)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Container {
  /** The process's id (a test kills it mid-invocation as Lambda's host would). */
  readonly pid: number;
  /** One invocation: its wall time (the first includes the process's start: a cold start), answer and CPU time. */
  invoke(event: unknown, remainingMs?: number): Promise<{ ms: number; result: unknown; cpuMs: number }>;
  stop(): Promise<void>;
}

/**
 * A Lambda execution environment for a bundled function: a process that loads the bundle on its
 * first invocation and answers the following ones warm, as Lambda reuses a container for the next
 * batch of the same concurrency slot. Its output (the function's logs) is not kept; a handler
 * that throws is an error here, with its stack.
 */
export async function startContainer(file: string, env: Record<string, string | undefined>): Promise<Container> {
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-container-'));
  const script = join(dir, 'container.cjs');
  await writeFile(
    script,
    `let handler;
process.on('message', async ({ event, remainingMs }) => {
  const before = process.cpuUsage();
  handler ??= require(${JSON.stringify(file)}).handler;
  const started = Date.now();
  try {
    const r = await handler(event, { functionName: 'container', awsRequestId: 'c' + started, getRemainingTimeInMillis: () => remainingMs - (Date.now() - started) });
    const cpu = process.cpuUsage(before);
    process.send({ r: r ?? null, cpuMs: (cpu.user + cpu.system) / 1000 });
  } catch (error) {
    process.send({ error: String(error && error.stack || error) });
  }
});
process.on('disconnect', () => process.exit(0));
`,
  );
  let started: number | undefined = performance.now();
  const child = fork(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  return {
    pid: child.pid!,
    async invoke(event, remainingMs = 60_000) {
      const from = started ?? performance.now();
      started = undefined;
      const answer = await new Promise<{ r?: unknown; cpuMs?: number; error?: string }>((done, fail) => {
        child.once('message', (m) => done(m as { r?: unknown; cpuMs?: number; error?: string }));
        child.once('exit', (code) => fail(new Error(`the container exited (${code})`)));
        child.send({ event, remainingMs });
      });
      child.removeAllListeners('exit');
      if (answer.error !== undefined) throw new Error(`the handler threw: ${answer.error}`);
      return { ms: Math.round(performance.now() - from), result: answer.r, cpuMs: answer.cpuMs! };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill();
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
