import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { oauthApp } from '../../sandbox/hub/token-exchange-routes.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../../sandbox/seed.js';
import type { RotationReport } from '../../shared/rotation/rotate-tokens.js';
import { lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/**
 * The rotate-tokens function as deployed: config file with credentials, HF_TOKEN and the OAuth
 * app's secret behind Secrets Manager ARNs, state in DynamoDB, alerts on our bus, JSON logs with
 * EMF metrics. And the promise the whole feature rests on: no token value in any log line,
 * DynamoDB item, event, error or answer.
 */

const OAUTH_SECRET = 'lambda-oauth-client-secret';
const CREDENTIALS = `tokenExchange: { clientId: app-lambda, audience: acme }
credentials:
  - { name: ci, serviceAccount: ci-bot, permissions: [repo.write], secret: hf-iam-sync/test/ci, gracePeriod: 0s }
  - { name: ada-notebooks, kind: token-exchange, subject: ada-acme@users.example, secret: hf-iam-sync/test/ada }
`;
type Handler = (event: unknown, context: typeof lambdaContext) => Promise<RotationReport>;
const scheduled = {
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  resources: ['arn:aws:events:us-east-1:1:rule/rotate'],
  detail: {},
};

let env: LambdaEnv;
beforeEach(async () => {
  env = await startLambdaEnv({ configExtra: CREDENTIALS, extraSecrets: { HF_OAUTH_CLIENT_SECRET: OAUTH_SECRET } });
  env.sandbox.hub.oauthApps.set('app-lambda', oauthApp({ organization: 'acme', clientId: 'app-lambda', clientSecret: OAUTH_SECRET }));
  env.sandbox.hub.addServiceAccount('ci-bot');
});
afterEach(async () => {
  await env.stop();
});

/** EMF metric values in the captured logs, by metric name. */
function metric(logs: string, name: string): number[] {
  return logs
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((m) => name in m)
    .map((m) => m[name] as number);
}

describe('rotate-tokens function', () => {
  it('on its schedule rotates every due credential, publishes CredentialRotated and emits rotation metrics', async () => {
    const handler = await env.load<Handler>('rotate-tokens');
    const report = await handler(scheduled, lambdaContext);
    expect(report.results.map((r) => [r.credential, r.outcome])).toEqual([
      ['ci', 'rotated'],
      ['ada-notebooks', 'rotated'],
    ]);
    expect(env.secrets.valueAt('hf-iam-sync/test/ci')).toMatch(/^hf_/);
    expect(env.secrets.valueAt('hf-iam-sync/test/ada')).toMatch(/^hf_oauth_/);
    expect(env.bus.received.map((e) => e.detailType)).toEqual(['hf-iam-sync.CredentialRotated', 'hf-iam-sync.CredentialRotated']);
    expect(metric(env.logs(), 'RotationsCompleted')).toEqual([2]);
    expect(metric(env.logs(), 'RotationsFailed')).toEqual([0]);
    expect(metric(env.logs(), 'OrphanTokens')).toEqual([0]);
    expect(metric(env.logs(), 'CredentialsOverdue')).toEqual([0]);
    // The oldest current token's age, and each credential's under a `credential` dimension.
    const ages = env
      .logs()
      .split('\n')
      .filter((l) => l.includes('"RotationAgeHours"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ages.map((m) => m.credential ?? '(all)').sort()).toEqual(['(all)', 'ada-notebooks', 'ci']);
    expect(ages.every((m) => typeof m.RotationAgeHours === 'number' && m.RotationAgeHours < 0.01)).toBe(true);
    const again = await handler(scheduled, lambdaContext);
    expect(again.results.map((r) => r.outcome)).toEqual(['up-to-date', 'up-to-date']);
  });

  it('rotates one credential on demand, and refuses a malformed invocation with the shape it expects', async () => {
    const handler = await env.load<Handler>('rotate-tokens');
    await handler(scheduled, lambdaContext);
    const first = env.secrets.valueAt('hf-iam-sync/test/ci');
    const report = await handler({ credential: 'ci' }, lambdaContext);
    expect(report.results).toEqual([
      expect.objectContaining({ credential: 'ci', outcome: 'rotated', deleted: [expect.objectContaining({ last4: first!.slice(-4) })] }),
    ]);
    await expect(handler({ credentials: 'ci' }, lambdaContext)).rejects.toThrow(
      /Invalid rotate-tokens event: \(event\): Unrecognized key: "credentials"\. Expected \{"credential"\?/,
    );
    await expect(handler({ credential: 'nope' }, lambdaContext)).rejects.toThrow(
      /No credential named "nope" in the configuration \(configured: ci, ada-notebooks\)/,
    );
  });

  it('alerts a failed step (event + RotationsFailed), and never lets a token, the OAuth secret or the admin token out', async () => {
    const handler = await env.load<Handler>('rotate-tokens');
    const answers: unknown[] = [await handler(scheduled, lambdaContext)];
    env.sandbox.hub.inject({ method: 'GET', path: /whoami-v2$/, status: 503, times: 20 });
    answers.push(await handler({ credential: 'ci' }, lambdaContext));
    expect(env.bus.received.at(-1)).toMatchObject({
      detailType: 'hf-iam-sync.RotationFailed',
      detail: { credential: 'ci', step: 'verify' },
    });
    expect(metric(env.logs(), 'RotationsFailed')).toEqual([0, 1]);
    env.sandbox.hub.clearFaults();
    env.sandbox.hub.oauthApps.get('app-lambda')!.clientSecret = 'rotated-elsewhere';
    answers.push(await handler({ credential: 'ada-notebooks' }, lambdaContext), await handler({ credential: 'ci' }, lambdaContext));
    await handler({ nonsense: true }, lambdaContext).catch((error: unknown) => answers.push(String(error)));

    const dynamo = new DynamoDBClient({
      endpoint: env.sandbox.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const items = JSON.stringify((await dynamo.send(new ScanCommand({ TableName: 'hf-iam-sync' }))).Items);
    dynamo.destroy();
    const everything = [env.logs(), items, JSON.stringify(env.bus.received), JSON.stringify(answers)].join('\n');
    const minted = env.sandbox.hub.issuedTokenValues.filter((t) => t !== SANDBOX_HF_TOKEN);
    expect(minted.length).toBeGreaterThanOrEqual(3);
    for (const secret of [...minted, OAUTH_SECRET, SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN]) expect(everything).not.toContain(secret);
    // What is recorded instead: last four characters and fingerprints.
    expect(items).toContain(minted[0]!.slice(-4));
    expect(items).toMatch(/sha256:[0-9a-f]{64}/);
  });
});
