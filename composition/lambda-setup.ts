import { resolveSecretEnv } from '../shared/adapters/secrets-manager/resolve-secret-env.js';
import { readRotationSecrets, readSecrets, type Config } from '../shared/runtime/config-model.js';
import { packagedConfig } from './packaged-config.js';
import { composeRotation } from './compose-rotation.js';
import type { RotationPorts } from '../shared/rotation/rotate-credential.js';
import { compose, composeEventSink, composeJobStarter, composeReportStore, type Composition } from './compose.js';
import type { JobStarter } from '../shared/ports/job-starter.js';
import type { S3ReportStore } from '../shared/adapters/s3/s3-report-store.js';
import type { EventSink } from '../shared/ports/event-sink.js';
import { ConfigError } from '../shared/runtime/errors.js';
import { requiredSecret } from './once.js';
import { perContainer, perContainerUntilFailure } from './container-cache.js';

/**
 * Cold-start wiring for every Lambda function: the compiled configuration named by HF_IAM_SYNC_CONFIG,
 * secrets from the environment or Secrets Manager, and the state table (STATE_TABLE, with
 * DYNAMODB_ENDPOINT for a local server). Built once per container and reused by warm invocations;
 * a failed start is not cached, so the next invocation tries again.
 */

export interface LambdaSetup {
  config: Config;
  composition: Composition;
}

/** The packaged config, the state table's location and the environment with secrets resolved: what every function starts from. */
async function basics(env: NodeJS.ProcessEnv, secretNames?: Parameters<typeof resolveSecretEnv>[1]) {
  const { config, location } = await packagedConfig(env);
  return { config, location, resolved: await resolveSecretEnv(env, secretNames) };
}

/**
 * The secrets reconcile, okta-event, okta-hook and okta-log-poll use — exactly what their roles
 * may read. Not the hook's secret (only okta-hook reads it, through hook-setup.ts) and not the
 * OAuth app's (only rotate-tokens).
 */
const RUNTIME_SECRETS = ['OKTA_API_TOKEN', 'OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY', 'OKTA_KEY_ID', 'HF_TOKEN', 'HF_SCIM_TOKEN'] as const;

async function build(env: NodeJS.ProcessEnv): Promise<LambdaSetup> {
  const { config, location, resolved } = await basics(env, RUNTIME_SECRETS);
  const secrets = readSecrets(resolved, config.file);
  return { config, composition: await compose(config, secrets, { state: { kind: 'dynamodb', location } }) };
}

const rotation = perContainerUntilFailure('rotation', async (env: NodeJS.ProcessEnv) => {
  const { config, location, resolved } = await basics(env, ['HF_TOKEN', 'HF_OAUTH_CLIENT_SECRET']);
  const { ports } = await composeRotation(config, readRotationSecrets(resolved, config), resolved, {
    state: { kind: 'dynamodb', location },
  });
  return { config, ports };
});

/**
 * rotate-tokens needs the Hub, Secrets Manager and the table, not Okta: it reads only HF_TOKEN and the OAuth app's secret (its role may
 * read no other).
 */
export function rotationSetup(env: NodeJS.ProcessEnv = process.env): Promise<{ config: Config; ports: RotationPorts }> {
  return rotation(env);
}

/** reconcile's approved plans: the stack's bucket (APPROVED_PLANS_BUCKET), read under approved-plans/ only. */
export function lambdaApprovedPlans(env: NodeJS.ProcessEnv = process.env): S3ReportStore {
  const bucket = env.APPROVED_PLANS_BUCKET?.trim();
  if (!bucket) throw new ConfigError(['APPROVED_PLANS_BUCKET is not set (the bucket approved plans are uploaded to; the stack sets it)']);
  return perContainer('approved-plans', () => composeReportStore(bucket, env));
}

const planKey = perContainerUntilFailure('plan-key', (env: NodeJS.ProcessEnv) =>
  requiredSecret(
    env,
    'HF_IAM_SYNC_PLAN_KEY',
    'HF_IAM_SYNC_PLAN_KEY (or HF_IAM_SYNC_PLAN_KEY_SECRET_ARN, parameter planKeySecretArn) is not set: the key approved plans are signed with',
  ),
);

/**
 * The key saved plans are signed with (HF_IAM_SYNC_PLAN_KEY, or through HF_IAM_SYNC_PLAN_KEY_SECRET_ARN); read only when a plan is
 * applied.
 */
export function lambdaPlanKey(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return planKey(env);
}

/** The access-review function's bucket (ACCESS_REVIEW_BUCKET; S3_ENDPOINT for a local stand-in). */
export function lambdaReportStore(env: NodeJS.ProcessEnv = process.env): S3ReportStore {
  const bucket = env.ACCESS_REVIEW_BUCKET?.trim();
  if (!bucket) throw new ConfigError(['ACCESS_REVIEW_BUCKET is not set (the S3 bucket access reviews are written to; the stack sets it)']);
  return perContainer('access-reviews', () => composeReportStore(bucket, env));
}

/** reconcile's way to start an org apply as a job (RECONCILE_JOB_ARN); null outside the stack. */
export function lambdaJobStarter(env: NodeJS.ProcessEnv = process.env): JobStarter | null {
  return perContainer('job-starter', () => composeJobStarter(env));
}

/** The event sink of functions that publish (built once, like the rest). */
export function lambdaEventSink(env: NodeJS.ProcessEnv = process.env): EventSink {
  return perContainer('event-sink', () => composeEventSink(env));
}

const runtime = perContainerUntilFailure('lambda-setup', build);

export function lambdaSetup(env: NodeJS.ProcessEnv = process.env): Promise<LambdaSetup> {
  return runtime(env);
}
