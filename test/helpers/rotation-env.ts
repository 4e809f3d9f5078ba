import { EventBridgeStandIn } from '../../sandbox/aws/eventbridge-stand-in.js';
import { SecretsManagerStandIn } from '../../sandbox/aws/secrets-manager-stand-in.js';
import { oauthApp, type OAuthApp } from '../../sandbox/hub/token-exchange-routes.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_HF_TOKEN } from '../../sandbox/seed.js';
import { parseConfig, type Config } from '../../shared/runtime/config.js';
import { composeRotation } from '../../composition/compose-rotation.js';
import type { RotationPorts } from '../../shared/rotation/rotate-credential.js';
import { rotateTokens, type RotationReport } from '../../shared/rotation/rotate-tokens.js';

/**
 * What a rotation test needs: the sandbox (Hub stand-in with a service account, dynalite), the
 * Secrets Manager and EventBridge stand-ins, the real adapters composed against them, and a clock
 * the test moves forward (grace periods and schedules are days long).
 */

export const OAUTH_SECRET = 'sandbox-oauth-client-secret-value';

export interface RotationEnv {
  sandbox: Sandbox;
  secrets: SecretsManagerStandIn;
  bus: EventBridgeStandIn;
  app: OAuthApp;
  serviceAccount: { id: string; user: string };
  config: Config;
  ports: RotationPorts;
  /** Moves the rotation's clock (not the stand-ins') forward. */
  advance: (ms: number) => void;
  rotate: (options?: { credential?: string; dryRun?: boolean }) => Promise<RotationReport>;
  /** A consumer: reads AWSCURRENT and asks the Hub whether it accepts it. */
  consumerCheck: (secret: string) => { value: string | undefined; accepted: boolean };
  stop: () => Promise<void>;
}

export function credentialsYaml(extra = ''): string {
  return `credentials:
  - name: ci
    serviceAccount: ci-bot
    permissions: [repo.content.read, repo.write]
    secret: hf-iam-sync/test/ci
    gracePeriod: 1h
    rotateEvery: 7d
${extra}`;
}

export async function startRotationEnv(credentials = credentialsYaml(), options: { tokenExchange?: string } = {}): Promise<RotationEnv> {
  const sandbox = await startSandbox();
  const secrets = new SecretsManagerStandIn();
  const bus = new EventBridgeStandIn();
  await Promise.all([secrets.start(), bus.start()]);
  const app = oauthApp({ organization: 'acme', clientSecret: OAUTH_SECRET, clientId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890' });
  sandbox.hub.oauthApps.set(app.clientId, app);
  const serviceAccount = sandbox.hub.addServiceAccount('ci-bot');
  const text = `${sandbox.configText}${options.tokenExchange ?? 'tokenExchange:\n  clientId: a1b2c3d4-e5f6-7890-abcd-ef1234567890\n  audience: acme\n'}${credentials}`;
  const config = parseConfig(text, 'rotation-test.yaml');
  const env = {
    SECRETS_MANAGER_ENDPOINT: secrets.baseUrl,
    EVENT_BUS_NAME: 'hf-iam-sync-test',
    EVENTBRIDGE_ENDPOINT: bus.baseUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  const composed = await composeRotation(config, { hfToken: SANDBOX_HF_TOKEN, oauthClientSecret: OAUTH_SECRET }, env, {
    state: { kind: 'dynamodb', location: { table: 'hf-iam-sync', endpoint: sandbox.dynamoEndpoint } },
    retryBaseMs: 1,
  });
  let offset = 0;
  const ports: RotationPorts = { ...composed.ports, clock: () => new Date(Date.now() + offset) };
  let run = 0;
  return {
    sandbox,
    secrets,
    bus,
    app,
    config,
    ports,
    serviceAccount,
    advance: (ms) => {
      offset += ms;
    },
    rotate: (o = {}) =>
      rotateTokens(ports, config.credentials, 'acme', { credential: o.credential, dryRun: o.dryRun ?? false, runId: `test-run-${++run}` }),
    consumerCheck: (secret) => {
      const value = secrets.valueAt(secret);
      return { value, accepted: value !== undefined && sandbox.hub.accepts(value) };
    },
    stop: async () => {
      await composed.close();
      await Promise.all([sandbox.stop(), secrets.stop(), bus.stop()]);
    },
  };
}

/** The service account's tokens on the Hub stand-in, by id. */
export function tokensOf(env: RotationEnv): string[] {
  return [...env.sandbox.hub.serviceAccounts.get(env.serviceAccount.id)!.tokens.keys()];
}
