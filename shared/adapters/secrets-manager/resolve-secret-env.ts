import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from '../../runtime/aws-endpoint.js';
import { ConfigError, describeError } from '../../runtime/errors.js';

/**
 * In Lambda each secret may come as `<NAME>_SECRET_ARN` instead of `<NAME>`: this reads those from
 * Secrets Manager (AWSCURRENT) and returns an environment with the plain names filled in. A value
 * set directly wins over an ARN. Failures name the variable and the ARN, never a secret value.
 */

export const SECRET_NAMES = ['OKTA_API_TOKEN', 'OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY', 'OKTA_KEY_ID', 'HF_TOKEN', 'HF_SCIM_TOKEN', 'OKTA_HOOK_SECRET', 'HF_OAUTH_CLIENT_SECRET', 'HF_IAM_SYNC_PLAN_KEY'] as const;

/** `names`: only these are read (a function whose role may read only its own secrets passes its list). */
export async function resolveSecretEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly (typeof SECRET_NAMES)[number][] = SECRET_NAMES,
  client: SecretsManagerClient = new SecretsManagerClient(awsClientConfig(env.SECRETS_MANAGER_ENDPOINT, env)),
): Promise<Record<string, string | undefined>> {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  await Promise.all(names.map(async (name) => {
    const arn = env[`${name}_SECRET_ARN`];
    if (env[name] || !arn) return;
    try {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      if (!answer.SecretString) throw new Error('the secret has no string value');
      resolved[name] = answer.SecretString;
    } catch (error) {
      problems.push(`${name}_SECRET_ARN (${arn}): cannot read the secret: ${(error as { name?: string }).name ?? 'Error'}: ${describeError(error)}`);
    }
  }));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}
