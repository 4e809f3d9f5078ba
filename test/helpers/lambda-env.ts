import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import fixture from '../fixtures/okta/eventbridge-user-deactivate.json' with { type: 'json' };
import { vi } from 'vitest';
import { EventBridgeStandIn } from '../../sandbox/aws/eventbridge-stand-in.js';
import { SecretsManagerStandIn } from '../../sandbox/aws/secrets-manager-stand-in.js';
import { SqsStandIn } from '../../sandbox/aws/sqs-stand-in.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../../sandbox/seed.js';
import { compileConfig } from '../../shared/runtime/config.js';
import { clearContainerCache } from '../../composition/container-cache.js';

/**
 * The environment a deployed function sees, made of stand-ins: the config file, secrets behind
 * Secrets Manager ARNs, dynalite, our EventBridge bus. Captures stdout/stderr (the JSON logs).
 */

export const HOOK_SECRET = 'sandbox-hook-secret-value';
/** An Okta System Log event as Okta's EventBridge log stream delivers it (a fresh envelope id each time). */
export const asEventBridge = (detail: unknown) =>
  ({ ...fixture, id: crypto.randomUUID(), detail }) as unknown as EventBridgeEvent<'SystemLog', unknown>;
export const lambdaContext = {
  functionName: 'hf-iam-sync-test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const HANDLERS = {
  reconcile: () => import('../../functions/reconcile/handler.js'),
  'reconcile-job': () => import('../../functions/reconcile-job/handler.js'),
  'okta-event': () => import('../../functions/okta-event/handler.js'),
  'okta-hook': () => import('../../functions/okta-hook/handler.js'),
  'okta-log-poll': () => import('../../functions/okta-log-poll/handler.js'),
  'rotate-tokens': () => import('../../functions/rotate-tokens/handler.js'),
  'access-review': () => import('../../functions/access-review/handler.js'),
  'ci-token': () => import('../../functions/ci-token/handler.js'),
  'ci-token-sweeper': () => import('../../functions/ci-token-sweeper/handler.js'),
  'audit-forwarder': () => import('../../functions/audit-forwarder/handler.js'),
};

export interface LambdaEnv {
  sandbox: Sandbox;
  secrets: SecretsManagerStandIn;
  bus: EventBridgeStandIn;
  /** Queues `okta-events` (visibility 2 s, redrive after 3 receives) and `okta-events-dlq`. */
  sqs: SqsStandIn;
  queueUrl: string;
  logs: () => string;
  /** Imports a function's handler afresh (a cold start). */
  load: <T>(name: keyof typeof HANDLERS) => Promise<T>;
  stop: () => Promise<void>;
}

/**
 * `configExtra` is appended to the sandbox's config file (credentials, tokenExchange), `configure`
 * rewrites it; `extraSecrets` become `<NAME>_SECRET_ARN`s.
 */
export async function startLambdaEnv(
  options: {
    configExtra?: string;
    configure?: (text: string) => string;
    extraSecrets?: Record<string, string>;
    dynamo?: { endpoint: string };
  } = {},
): Promise<LambdaEnv> {
  const saved = { ...process.env };
  const sandbox = await startSandbox(options.dynamo ? { dynamo: options.dynamo } : {});
  const secrets = new SecretsManagerStandIn();
  const bus = new EventBridgeStandIn();
  const sqs = new SqsStandIn();
  await Promise.all([secrets.start(), bus.start(), sqs.start()]);
  sqs.createQueue('okta-events-dlq');
  const queueUrl = sqs.createQueue('okta-events', { visibilityTimeoutSeconds: 2, deadLetter: 'okta-events-dlq', maxReceiveCount: 3 });
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-lambda-'));
  // What `npm run package` does: the functions read the compiled configuration.
  const configText = (options.configure ?? ((t: string) => t))(sandbox.configText + (options.configExtra ?? ''));
  await writeFile(join(dir, 'config.yaml'), configText);
  await writeFile(join(dir, 'config.json'), compileConfig(configText, 'config.yaml'));
  Object.assign(process.env, {
    HF_IAM_SYNC_CONFIG: join(dir, 'config.json'),
    STATE_TABLE: 'hf-iam-sync',
    DYNAMODB_ENDPOINT: sandbox.dynamoEndpoint,
    OKTA_API_TOKEN_SECRET_ARN: secrets.put('hf-iam-sync/okta', SANDBOX_OKTA_TOKEN).arn,
    HF_TOKEN_SECRET_ARN: secrets.put('hf-iam-sync/hf', SANDBOX_HF_TOKEN).arn,
    OKTA_HOOK_SECRET_SECRET_ARN: secrets.put('hf-iam-sync/hook', HOOK_SECRET).arn,
    OKTA_EVENTS_QUEUE_URL: queueUrl,
    SQS_ENDPOINT: sqs.baseUrl,
    SECRETS_MANAGER_ENDPOINT: secrets.baseUrl,
    EVENT_BUS_NAME: 'hf-iam-sync-test',
    EVENTBRIDGE_ENDPOINT: bus.baseUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  for (const [name, value] of Object.entries(options.extraSecrets ?? {}))
    process.env[`${name}_SECRET_ARN`] = secrets.put(`hf-iam-sync/${name.toLowerCase()}`, value).arn;
  delete process.env.OKTA_API_TOKEN;
  delete process.env.HF_TOKEN;
  let logs = '';
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs += String(chunk);
      return true;
    });
  }
  return {
    sandbox,
    secrets,
    bus,
    sqs,
    queueUrl,
    logs: () => logs,
    load: async <T>(name: keyof typeof HANDLERS) => {
      // A fresh container: nothing built for an earlier environment is reused (the handler modules themselves hold no state).
      clearContainerCache();
      return (await HANDLERS[name]()).handler as unknown as T;
    },
    stop: async () => {
      vi.restoreAllMocks();
      process.env = saved;
      await Promise.all([sandbox.stop(), secrets.stop(), bus.stop(), sqs.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
