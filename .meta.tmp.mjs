import { build } from 'esbuild';
import { createRequire } from 'node:module';
const plugins = createRequire(import.meta.url)('/work/main/scripts/esbuild-plugins.cjs');
const r = await build({ entryPoints: [process.argv[2] ?? '/work/main/functions/okta-event/handler.ts'], outfile: '/tmp/cold/m.cjs', bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, keepNames: true, external: ['dynalite'], logLevel: 'silent', plugins, metafile: true });
const by = new Map();
for (const [file, v] of Object.entries(r.metafile.outputs[Object.keys(r.metafile.outputs)[0]].inputs)) {
  const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const k = m ? m[1] : file.split('/').slice(0, 2).join('/');
  by.set(k, (by.get(k) || 0) + v.bytesInOutput);
}
let total = 0; for (const v of by.values()) total += v;
console.log('total', (total/1024).toFixed(0));
[...by].sort((a, b) => b[1] - a[1]).slice(0, 30).forEach(([k, v]) => console.log((v / 1024).toFixed(0).padStart(6), k));
