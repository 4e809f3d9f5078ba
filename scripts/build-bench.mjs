// Builds the benchmark as the Lambda functions ship (serverless-esbuild with the same plugins: the
// Okta SDK trimmed to the methods used, the AWS SDK's ES modules): its peak memory is the
// product's as deployed, not that of the full SDKs. What only the sandbox uses stays a package.
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
await build({
  entryPoints: [new URL('../bench/run.ts', import.meta.url).pathname],
  outfile: new URL('../.bench/run.mjs', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // As serverless.yml's custom.esbuild: minified, names kept.
  minify: true,
  keepNames: true,
  plugins: require('./esbuild-plugins.cjs'),
  external: ['dynalite', 'tsx', 'puppeteer-core', 'aws-local-stepfunctions', 's3rver', 'fast-check'],
  // The bundled CommonJS packages call require(): give the module one.
  banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  logLevel: 'warning',
});
