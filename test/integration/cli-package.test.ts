import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The CLI as a user gets it: `npm pack`, the tarball installed in an empty directory with production
 * dependencies only (from the npm cache when it has them), and the installed command run — no
 * TypeScript, no tsx, no build tools. The pack skips `prepare` here (it would rebuild dist/cli/ under
 * the other tests that run it): `npm test` has just built it, as `npm pack` does.
 */

const run = promisify(execFile);
let dir: string;
let bin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: resolve('.') });
  const { filename } = (JSON.parse(stdout) as Array<{ filename: string }>)[0]!;
  const app = join(dir, 'app');
  await run('mkdir', ['-p', app]);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'uses-hf-iam-sync', private: true }));
  await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, filename)], { cwd: app });
  bin = join(app, 'node_modules/.bin/hf-iam-sync');
}, 240_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed CLI, installed with production dependencies only', () => {
  it('is built by prepare (npm ci, npm pack), and points its bin at the build', async () => {
    const manifest = JSON.parse(await readFile('package.json', 'utf8')) as {
      scripts: Record<string, string>;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.scripts.prepare).toContain('node scripts/build-cli.mjs');
    expect(manifest.bin['hf-iam-sync']).toBe('dist/cli/hf-iam-sync.mjs');
    expect(manifest.dependencies.tsx).toBeUndefined();
  });

  it('prints its version and its help, and ships as JavaScript without tsx', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect((await run(bin, ['--version'])).stdout.trim()).toBe(version);
    const help = await run(bin, ['--help']).catch((e: { stderr: string; code: number }) => e);
    expect(help.stderr).toContain('Usage: hf-iam-sync <command> [options]');
    const installed = join(dir, 'app/node_modules');
    await expect(access(join(installed, 'tsx'))).rejects.toThrow();
    await expect(access(join(installed, 'vitest'))).rejects.toThrow();
    await expect(access(join(installed, 'hf-iam-sync/cli'))).rejects.toThrow(); // no TypeScript sources shipped
  });

  it('runs the demo on its embedded sandbox', async () => {
    const { stdout } = await run(bin, ['demo'], { cwd: join(dir, 'app'), timeout: 120_000 });
    expect(stdout).toContain('$ hf-iam-sync plan --config hf-iam-sync.yaml');
    expect(stdout).toMatch(/Access review written to .* \(8 members\)/);
  }, 120_000);
});
