#!/usr/bin/env node
// Runs after `npm install` / `npm ci` (package.json "postinstall"): puts AWS's DynamoDB Local (the
// jar that ships inside the npm tarball of amplify-dynamodb-simulator) under
// node_modules/.cache/dynamodb-local, so the state-store tests can run against it too. It is
// fetched with `npm pack` (not installed: the package's own dependencies are not needed) at install
// time, never while tests run. Without Java, or when the registry cannot be reached, it says so and
// exits 0: those tests then report themselves skipped with the reason.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIMULATOR = 'amplify-dynamodb-simulator@2.9.30';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const target = join(root, 'node_modules', '.cache', 'dynamodb-local', SIMULATOR.replace('@', '-'));

function main() {
  if (existsSync(join(target, 'DynamoDBLocal.jar'))) return;
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    console.log('hf-iam-sync: no Java on this machine; the DynamoDB Local tests will be skipped (they run on dynalite).');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ddb-local-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['pack', SIMULATOR, '--silent', '--pack-destination', work], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack produced no tarball');
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', target, '--strip-components=2', 'package/emulator']);
    console.log(`hf-iam-sync: DynamoDB Local ready in ${target}`);
  } catch (error) {
    rmSync(target, { recursive: true, force: true });
    console.log(`hf-iam-sync: could not fetch DynamoDB Local (${error.message.split('\n')[0]}); its tests will be skipped.`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
