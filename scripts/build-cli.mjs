// Builds the CLI to JavaScript: dist/cli/hf-iam-sync.mjs (package.json's bin) and the chunks it loads
// when a command runs (each command's module, so `--help` loads none). The product's code is bundled;
// its dependencies stay packages, installed beside it. Run by `npm ci` and `npm pack` (prepare) and
// by `npm test` before the tests that start the CLI as a process.
import { chmod, readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = new URL('../dist/cli/', import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { 'hf-iam-sync': new URL('../cli/bin.ts', import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: '#!/usr/bin/env node' },
  define: { HF_IAM_SYNC_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
await chmod(`${outdir}hf-iam-sync.mjs`, 0o755);
