import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../../sandbox/seed.js';
import scheduled from '../fixtures/events/scheduled.json' with { type: 'json' };
import { lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/**
 * The real `reconcile` handler (middy + Powertools logger) with its cold-start wiring, reading the
 * compiled configuration from HF_IAM_SYNC_CONFIG and its secrets from Secrets Manager (the real AWS SDK
 * against the stand-in), state in dynalite. Logs are captured and scanned for secrets.
 */

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let env: LambdaEnv;
const context = { ...lambdaContext, functionName: 'hf-iam-sync-test-reconcile' } as Context;

beforeEach(async () => {
  env = await startLambdaEnv();
});
afterEach(async () => {
  await env.stop();
});

describe('reconcile Lambda', () => {
  it('plans on a manual invoke without dryRun, and returns the plan', async () => {
    const handler = await env.load<Handler>('reconcile');
    const response = await handler({}, context);
    expect(response).toMatchObject({ outcome: 'planned', summary: { change: 2, remove: 3 } });
    expect((response as { rendered: string }).rendered).toContain('- linus-t  remove (revoke)');
    expect(env.sandbox.hub.member('linus-t')?.role).toBe('write');
  });

  it('refuses a scheduled event, naming what it accepts (the weekly schedule starts the state machine), and changes nothing', async () => {
    const handler = await env.load<Handler>('reconcile');
    await expect(handler(scheduled, context)).rejects.toThrow(/Invalid reconcile event: .*Expected \{"dryRun": true\|false/);
    expect(env.sandbox.hub.member('linus-t')?.role).toBe('write');
    expect(env.sandbox.hub.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('applies the organization when asked (outside the stack, in its own invocation), logs a structured summary, and never logs a secret', async () => {
    const handler = await env.load<Handler>('reconcile');
    const response = await handler({ dryRun: false, actor: 'ops' }, context);
    expect(response).toMatchObject({ outcome: 'blocked', failed: [] });
    expect(env.sandbox.hub.member('linus-t')?.role).toBe('no_access');
    const finished = env
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.message === 'reconcile finished');
    expect(finished).toMatchObject({
      level: 'INFO',
      trigger: 'invoke',
      applied: 5,
      summary: { remove: 3 },
      function_name: 'hf-iam-sync-test-reconcile',
    });
    expect(env.logs()).not.toContain(SANDBOX_OKTA_TOKEN);
    expect(env.logs()).not.toContain(SANDBOX_HF_TOKEN);
    const emf = env
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l._aws?.CloudWatchMetrics);
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'hf-iam-sync' }] },
      service: 'hf-iam-sync',
      RunsSucceeded: 1,
      ChangesApplied: 5,
      ChangesFailed: 0,
      ChangesBlocked: 1,
    });
  });

  it('applies one user on request', async () => {
    const handler = await env.load<Handler>('reconcile');
    const response = await handler({ dryRun: false, user: 'alan@acme.example' }, context);
    expect(response).toMatchObject({ outcome: 'succeeded', summary: { remove: 1 } });
    expect(env.sandbox.hub.member('alan-t')?.role).toBe('no_access');
    expect(env.sandbox.hub.member('linus-t')?.role).toBe('write');
  });

  it('rejects a malformed invoke with a clear, logged error', async () => {
    const handler = await env.load<Handler>('reconcile');
    await expect(handler({ dryrun: false }, context)).rejects.toThrowError(/Invalid reconcile event: .*Unrecognized key: "dryrun"/);
    expect(env.logs()).toContain('"errorName":"InputError"');
  });

  it('names the secret ARN it could not read', async () => {
    process.env.HF_TOKEN_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:missing';
    const handler = await env.load<Handler>('reconcile');
    await expect(handler({}, context)).rejects.toThrowError(
      /HF_TOKEN_SECRET_ARN \(arn:aws:secretsmanager:.*:secret:missing\): cannot read the secret: ResourceNotFoundException/,
    );
  });
});
