import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startCiEnv, type CiEnv } from '../helpers/ci-env.js';

/**
 * The composite GitHub Action (actions/hf-token): its script runs as the runner runs it — with
 * GitHub's ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN contract answered by the OIDC issuer stand-in —
 * against the real broker, and the token it exports pushes to the Hub stand-in.
 */

let env: CiEnv;
let dir: string;
const ACTION = join(import.meta.dirname, '../../actions/hf-token');

async function runStep(inputs: Record<string, string>, claims: Record<string, unknown>) {
  env.github.runnerClaims = claims;
  const files = { GITHUB_ENV: join(dir, 'env'), GITHUB_OUTPUT: join(dir, 'output') };
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')));
  const run = await promisify(execFile)(process.execPath, [join(ACTION, 'exchange.mjs')], {
    env: {
      PATH: process.env.PATH,
      ...files,
      GITHUB_ACTION_PATH: ACTION,
      ACTIONS_ID_TOKEN_REQUEST_URL: `${env.github.baseUrl}/_apis/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: env.github.runnerToken,
      ...inputs,
    },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  return { ...run, githubEnv: await readFile(files.GITHUB_ENV, 'utf8'), output: await readFile(files.GITHUB_OUTPUT, 'utf8') };
}

beforeEach(async () => {
  env = await startCiEnv();
  dir = await mkdtemp(join(tmpdir(), 'hf-token-action-'));
});
afterEach(async () => {
  await env.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('actions/hf-token', () => {
  it('is one composite step that passes its inputs to the script', async () => {
    const action = parse(await readFile(join(ACTION, 'action.yml'), 'utf8'));
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps).toHaveLength(1);
    expect(action.runs.steps[0]).toMatchObject({
      shell: 'bash',
      run: 'node "$GITHUB_ACTION_PATH/exchange.mjs"',
      env: { HF_BROKER_URL: '${{ inputs.broker-url }}', HF_BROKER_AUDIENCE: '${{ inputs.audience }}' },
    });
    expect(action.inputs['broker-url'].required).toBe(true);
  });

  it("asks GitHub for an ID token with the broker's audience, exchanges it, masks the token first and exports HF_TOKEN, which pushes the model", async () => {
    const step = await runStep(
      { HF_BROKER_URL: env.brokerUrl, HF_BROKER_AUDIENCE: 'acme', HF_BROKER_RESOURCE: 'llama-train' },
      { repository: 'acme/llama-ft', ref: 'refs/heads/main' },
    );
    expect(step.code).toBe(0);
    const token = /HF_TOKEN<<(\S+)\n(\S+)\n\1\n/.exec(step.githubEnv)?.[2];
    expect(token).toMatch(/^hf_/);
    // The first line that shows the token is its mask.
    const lines = step.stdout.split('\n');
    expect(lines.findIndex((l) => l.includes(token!))).toBe(lines.indexOf(`::add-mask::${token}`));
    expect(step.output).toBe('expires-in=900\n');
    const push = await fetch(`${env.sandbox.hub.baseUrl}/api/models/acme/llama-ft/commit/main`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ summary: 'from the action' }),
    });
    expect(push.status).toBe(200);
    expect(env.sandbox.hub.repoByName('model', 'acme/llama-ft')!.commits).toEqual([
      { summary: 'from the action', by: 'acme-ci-bot-sa', tokenId: expect.any(String) },
    ]);
  });

  it("fails the step with the broker's reason for the wrong branch, exporting nothing; and says what to add without id-token: write", async () => {
    const step = await runStep(
      { HF_BROKER_URL: env.brokerUrl, HF_BROKER_AUDIENCE: 'acme', HF_BROKER_RESOURCE: 'llama-train' },
      { repository: 'acme/llama-ft', ref: 'refs/heads/dev' },
    );
    expect(step.code).toBe(1);
    expect(step.stdout).toMatch(
      /::error title=hf-iam-sync token exchange::the broker answered 400 unauthorized_client: policy "llama-train" does not trust this token: ref must be "refs\/heads\/main"/,
    );
    expect(step.githubEnv).toBe('');
    const noPermission = await promisify(execFile)(process.execPath, [join(ACTION, 'exchange.mjs')], {
      env: { PATH: process.env.PATH, HF_BROKER_URL: env.brokerUrl, HF_BROKER_AUDIENCE: 'acme' },
    }).catch((e: { stdout: string }) => e);
    expect((noPermission as { stdout: string }).stdout).toContain('add `permissions: id-token: write`');
  });
});
