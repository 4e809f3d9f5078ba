import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';

/**
 * A function bundled as serverless.yml packages it (esbuild, CJS, minified, names kept, the
 * esbuild plugins of scripts/esbuild-plugins.cjs), and a fresh Node process that loads it and
 * answers one event: what a Lambda cold start runs.
 */

const plugins = createRequire(import.meta.url)(resolve('scripts/esbuild-plugins.cjs')) as Plugin[];

/** Bundles `entry` to `outfile`; answers its size in bytes. */
export async function bundleFunction(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, keepNames: true,
    external: ['dynalite'], logLevel: 'silent', plugins,
  });
  return (await stat(outfile)).size;
}

/** Wall time of a fresh `node` process that loads the bundle and answers `event`, and the answer. */
export async function coldInvoke(file: string, event: unknown, env: Record<string, string | undefined>): Promise<{ ms: number; result: unknown }> {
  const script = `const { handler } = require(${JSON.stringify(file)});
Promise.resolve(handler(${JSON.stringify(event)}, { functionName: 'cold', awsRequestId: 'c', getRemainingTimeInMillis: () => 60000 }))
  .then((r) => { process.stdout.write('\\n@@RESULT@@' + JSON.stringify(r ?? null)); process.exit(0); }, (e) => { process.stderr.write(String(e)); process.exit(1); });`;
  const started = performance.now();
  // Asynchronous: stand-ins answering the child may run in this process's event loop.
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
  const ms = Math.round(performance.now() - started);
  return { ms, result: JSON.parse(stdout.slice(stdout.lastIndexOf('@@RESULT@@') + 10)) };
}
