import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from '../../runtime/aws-endpoint.js';
import { ConfigError, describeError } from '../../runtime/errors.js';

/**
 * In Lambda each secret may come as `<NAME>_SECRET_ARN` instead of `<NAME>`: this reads those from
 * Secrets Manager (AWSCURRENT) and returns an environment with the plain names filled in. A value
 * set directly wins over an ARN. Failures name the variable and the ARN, never a secret value. The
 * Secrets Manager client (and the SDK's module) is made only when there is an ARN to read.
 */

export const SECRET_NAMES = [
  'OKTA_API_TOKEN',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY',
  'OKTA_KEY_ID',
  'HF_TOKEN',
  'HF_SCIM_TOKEN',
  'OKTA_HOOK_SECRET',
  'HF_OAUTH_CLIENT_SECRET',
  'HF_IAM_SYNC_PLAN_KEY',
  'DATADOG_API_KEY',
] as const;

/** `names`: only these are read (a function whose role may read only its own secrets passes its list). */
export async function resolveSecretEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly (typeof SECRET_NAMES)[number][] = SECRET_NAMES,
): Promise<Record<string, string | undefined>> {
  const resolved: Record<string, string | undefined> = { ...env };
  const wanted = names.filter((name) => !env[name] && env[`${name}_SECRET_ARN`]);
  if (wanted.length === 0) return resolved;
  const sdk = await import('@aws-sdk/client-secrets-manager');
  const client: SecretsManagerClient = new sdk.SecretsManagerClient(awsClientConfig(env.SECRETS_MANAGER_ENDPOINT, env));
  const problems: string[] = [];
  // Read once, at a cold start: the client is not kept.
  await Promise.all(
    wanted.map(async (name) => {
      const arn = env[`${name}_SECRET_ARN`]!;
      try {
        const answer = await client.send(new sdk.GetSecretValueCommand({ SecretId: arn }));
        if (!answer.SecretString) throw new Error('the secret has no string value');
        resolved[name] = answer.SecretString;
      } catch (error) {
        problems.push(
          `${name}_SECRET_ARN (${arn}): cannot read the secret: ${(error as { name?: string }).name ?? 'Error'}: ${describeError(error)}`,
        );
      }
    }),
  ).finally(() => client.destroy());
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}
