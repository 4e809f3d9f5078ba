import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { composeCiTokens } from '../../composition/ci-token-setup.js';
import { composeState } from '../../composition/compose.js';
import { ciAccessConfig } from '../../sandbox/ci-seed.js';
import { sweepCiTokens } from '../../shared/ci-tokens/sweep-ci-tokens.js';
import { parseConfig } from '../../shared/runtime/config.js';
import { startCiEnv, huggingfaceHubBody, type CiEnv } from '../helpers/ci-env.js';
import { lambdaContext } from '../helpers/lambda-env.js';

/**
 * Tokens that die on time: the sweeper deletes each broker token at its expiry, the tokens of a
 * policy taken out of the configuration, and tokens of its service accounts that no record explains —
 * and a sweeper killed mid-way leaves nothing the next sweep does not delete.
 */

let env: CiEnv;
const JOB = { repository: 'acme/llama-ft', ref: 'refs/heads/main' };
const table = () => ({ table: 'hf-iam-sync', endpoint: env.sandbox.dynamoEndpoint });
const brokerTokens = () => [...env.sandbox.hub.serviceAccounts.values()].flatMap((sa) => [...sa.tokens.values()]);

async function issue(count: number): Promise<string[]> {
  const values: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await env.exchange(huggingfaceHubBody(await env.github.mint(JOB, { audience: 'acme' }), 'llama-train'));
    expect(answer.status).toBe(200);
    values.push(String(answer.json.access_token));
  }
  return values;
}

async function trail() {
  const { state, close } = await composeState({ kind: 'dynamodb', location: table() });
  try {
    return await state.listChanges({ organization: 'acme', trigger: 'ci', limit: 100 });
  } finally {
    await close();
  }
}

beforeEach(async () => {
  env = await startCiEnv((github, gitlab) => ciAccessConfig(github, gitlab).replace('ttl: 15m', 'ttl: 2s'));
});
afterEach(async () => {
  vi.useRealTimers();
  await env.stop();
});

describe('ci-token-sweeper', () => {
  it('deletes a token at its expiry (simulated clock), not before, and the token stops working', async () => {
    // Prepare
    const [value] = await issue(1);
    const sweeper = await env.sweeper();
    // Act: before and after the TTL
    const early = (await sweeper({}, lambdaContext)) as { deleted: unknown[]; live: number };
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_000 });
    const late = (await sweeper({}, lambdaContext)) as { deleted: Array<{ reason: string }>; live: number };
    // Assess
    expect(early).toMatchObject({ deleted: [], live: 1 });
    expect(late.deleted.map((d) => d.reason)).toEqual(['its TTL ended']);
    expect(brokerTokens()).toEqual([]);
    const whoami = await fetch(`${env.sandbox.hub.baseUrl}/api/whoami-v2`, { headers: { authorization: `Bearer ${value}` } });
    expect(whoami.status).toBe(401);
    expect((await trail()).filter((c) => c.action === 'ci-token-delete')).toHaveLength(1);
  });

  it('a sweeper killed (SIGKILL) between deletions leaves nothing the next sweep does not delete, each recorded once', async () => {
    await issue(3);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    // The second deletion hangs: the process is killed while it waits for the Hub.
    env.sandbox.hub.inject({ method: 'DELETE', path: /\/tokens\/[^/]+$/, skip: 1, hang: true, status: 0 });
    const deletes = () => env.sandbox.hub.calls.filter((c) => c.method === 'DELETE').length;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../helpers/lambda-process.ts'), 'ci-token-sweeper', '{}'],
      { env: { ...process.env }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    while (deletes() < 2 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await exited;
    env.sandbox.hub.clearFaults();
    expect(brokerTokens().length).toBeGreaterThan(0);
    const sweeper = await env.sweeper();
    await sweeper({}, lambdaContext);
    expect(brokerTokens()).toEqual([]);
    const deleted = (await trail()).filter((c) => c.action === 'ci-token-delete').map((c) => c.ci?.tokenId);
    expect(deleted.sort()).toEqual([...new Set(deleted)].sort());
    expect(deleted).toHaveLength(3);
  });

  it('revokes the live tokens of a policy taken out of the configuration, and deletes tokens of its account no record explains', async () => {
    await issue(1);
    const handMade = env.sandbox.hub.serviceAccounts.values().next().value!;
    const configText = (await import('node:fs/promises')).readFile(process.env.HF_IAM_SYNC_CONFIG!.replace(/\.json$/, '.yaml'), 'utf8');
    const withoutTrain = (await configText).replace(/ {4}- name: llama-train[\s\S]*?ttl: 2s\n/, '');
    const config = parseConfig(withoutTrain, 'config.yaml');
    const { sweep, settings } = await composeCiTokens(config, table(), { HF_TOKEN: 'hf_sandbox_admin_token' });
    // A token pasted by hand on the broker's account, long ago.
    const adminHeaders = { authorization: 'Bearer hf_sandbox_admin_token', 'content-type': 'application/json' };
    await fetch(`${env.sandbox.hub.baseUrl}/api/organizations/acme/service-accounts/${handMade._id}/tokens`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ displayName: 'pasted', permissions: ['repo.write'] }),
    });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 6 * 60_000 });
    const report = await sweepCiTokens(await sweep(), settings);
    expect(report.deleted.map((d) => d.reason)).toEqual(['policy llama-train is no longer configured']);
    expect(report.orphansDeleted).toHaveLength(1);
    expect(brokerTokens()).toEqual([]);
  });
});
