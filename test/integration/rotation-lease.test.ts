import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/table.js';
import { runCli } from '../helpers/cli.js';
import { credentialsYaml, OAUTH_SECRET, startRotationEnv, type RotationEnv } from '../helpers/rotation-env.js';

/**
 * A rotation's lease ends with the run that holds it: a CLI process killed with SIGKILL mid-step
 * blocks the credential for at most one heartbeat (a minute), not for the longest a run could last;
 * a run that finds the lease held says the credential is overdue, and `--credential` exits 1.
 */

const BIN = join(import.meta.dirname, '../../dist/cli/hf-iam-sync.mjs');
let env: RotationEnv;
let dir: string;
beforeEach(async () => {
  env = await startRotationEnv();
  dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-lease-'));
});
afterEach(async () => {
  await env.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the rotation lease', () => {
  it('a run killed mid-step holds the credential for one heartbeat at most; runs meanwhile report it skipped and overdue', async () => {
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `${env.sandbox.configText}tokenExchange:\n  clientId: ${env.app.clientId}\n  audience: acme\n${credentialsYaml()}`,
    );
    const processEnv = {
      ...env.sandbox.env,
      SECRETS_MANAGER_ENDPOINT: env.secrets.baseUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      HF_OAUTH_CLIENT_SECRET: OAUTH_SECRET,
    };
    env.sandbox.hub.latencyMs = 20_000; // the child's first Hub call hangs
    const child = spawn(process.execPath, [BIN, 'rotate', '--config', config, '--credential', 'ci'], {
      env: { PATH: process.env.PATH ?? '', ...processEnv },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const doc = createDocumentClient(env.sandbox.dynamoEndpoint);
    try {
      const lease = async () => (await doc.send(new GetCommand({ TableName: 'hf-iam-sync', Key: { pk: 'CRED#ci', sk: 'LEASE' } }))).Item;
      for (let i = 0; i < 400 && !(await lease()); i += 1) await new Promise((r) => setTimeout(r, 50));
      const held = await lease();
      expect(held).toBeDefined();
      // Taken for a heartbeat, not for a whole run.
      expect(Date.parse(String(held!.expiresAt)) - Date.now()).toBeLessThanOrEqual(60_000);
      env.sandbox.hub.latencyMs = 0;

      const cli = await runCli(['rotate', '--config', config, '--credential', 'ci'], { env: processEnv });
      expect(cli.code).toBe(1);
      expect(cli.stdout).toMatch(/ci\s+skipped: Another run \(\S+\) holds the rotation lease for credential "ci"/);
      expect(cli.stdout).toContain('Overdue (not rotated within their period): ci');

      child.kill('SIGKILL');
      await exited;
      expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'skipped', overdue: true });
      // A minute later nothing renews the dead run's lease, and the next run takes it over.
      env.advance(61_000);
      expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated', overdue: false });
      expect(env.consumerCheck('hf-iam-sync/test/ci').accepted).toBe(true);
    } finally {
      child.kill('SIGKILL');
      doc.destroy();
    }
  });
});
