import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretsManagerStandIn } from '../../sandbox/aws/secrets-manager-stand-in.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../../sandbox/seed.js';
import scheduled from '../fixtures/events/scheduled.json' with { type: 'json' };

/**
 * The real `reconcile` handler (middy + Powertools logger) with its cold-start wiring, reading the
 * config file from HF_IAM_SYNC_CONFIG and its secrets from Secrets Manager (the real AWS SDK
 * against the stand-in), state in dynalite. Logs are captured and scanned for secrets.
 */

const context = { functionName: 'hf-iam-sync-test-reconcile', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
let sandbox: Sandbox;
let secrets: SecretsManagerStandIn;
let dir: string;
let logs: string;
const saved = { ...process.env };

async function loadHandler() {
  vi.resetModules();
  return (await import('../../functions/reconcile/handler.js')).handler;
}

beforeEach(async () => {
  sandbox = await startSandbox();
  secrets = new SecretsManagerStandIn();
  await secrets.start();
  dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-lambda-'));
  await writeFile(join(dir, 'config.yaml'), sandbox.configText);
  const okta = secrets.put('hf-iam-sync/okta', SANDBOX_OKTA_TOKEN);
  const hf = secrets.put('hf-iam-sync/hf', SANDBOX_HF_TOKEN);
  Object.assign(process.env, {
    HF_IAM_SYNC_CONFIG: join(dir, 'config.yaml'), STATE_TABLE: 'hf-iam-sync', DYNAMODB_ENDPOINT: sandbox.dynamoEndpoint,
    OKTA_API_TOKEN_SECRET_ARN: okta.arn, HF_TOKEN_SECRET_ARN: hf.arn, SECRETS_MANAGER_ENDPOINT: secrets.baseUrl,
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_DEV: 'false',
  });
  delete process.env.OKTA_API_TOKEN;
  delete process.env.HF_TOKEN;
  logs = '';
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs += String(chunk);
      return true;
    });
  }
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.env = { ...saved };
  await sandbox.stop();
  await secrets.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('reconcile Lambda', () => {
  it('plans on a manual invoke without dryRun, and returns the plan', async () => {
    const handler = await loadHandler();
    const response = await handler({}, context);
    expect(response).toMatchObject({ outcome: 'planned', summary: { change: 2, remove: 3 } });
    expect((response as { rendered: string }).rendered).toContain('- linus-t  remove (revoke)');
    expect(sandbox.hub.member('linus-t')?.role).toBe('write');
  });

  it('applies on the weekly schedule, logs a structured summary, and never logs a secret', async () => {
    const handler = await loadHandler();
    const response = await handler(scheduled, context);
    expect(response).toMatchObject({ outcome: 'blocked', failed: [] });
    expect(sandbox.hub.member('linus-t')?.role).toBe('no_access');
    const finished = logs.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.message === 'reconcile finished');
    expect(finished).toMatchObject({ level: 'INFO', trigger: 'schedule', applied: 5, summary: { remove: 3 }, function_name: 'hf-iam-sync-test-reconcile' });
    expect(logs).not.toContain(SANDBOX_OKTA_TOKEN);
    expect(logs).not.toContain(SANDBOX_HF_TOKEN);
  });

  it('applies one user on request', async () => {
    const handler = await loadHandler();
    const response = await handler({ dryRun: false, user: 'alan@acme.example' }, context);
    expect(response).toMatchObject({ outcome: 'succeeded', summary: { remove: 1 } });
    expect(sandbox.hub.member('alan-t')?.role).toBe('no_access');
    expect(sandbox.hub.member('linus-t')?.role).toBe('write');
  });

  it('rejects a malformed invoke with a clear, logged error', async () => {
    const handler = await loadHandler();
    await expect(handler({ dryrun: false }, context)).rejects.toThrowError(/Invalid reconcile event: .*Unrecognized key: "dryrun"/);
    expect(logs).toContain('"errorName":"InputError"');
  });

  it('names the secret ARN it could not read', async () => {
    process.env.HF_TOKEN_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:missing';
    const handler = await loadHandler();
    await expect(handler({}, context)).rejects.toThrowError(/HF_TOKEN_SECRET_ARN \(arn:aws:secretsmanager:.*:secret:missing\): cannot read the secret: ResourceNotFoundException/);
  });
});
