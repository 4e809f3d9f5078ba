import { resolveSecretEnv, type SECRET_NAMES } from '../shared/adapters/secrets-manager/resolve-secret-env.js';
import { ConfigError } from '../shared/runtime/errors.js';

/**
 * A value built once per holder (one composition's lazily read secret) and reused after. A failed
 * build is not kept: the next call tries again. What a whole container keeps goes in container-cache.ts.
 */
export function onceUntilFailure<A, T>(build: (arg: A) => Promise<T>): (arg: A) => Promise<T> {
  let value: Promise<T> | undefined;
  return (arg) => {
    value ??= build(arg).catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

/** One secret, from NAME or through NAME_SECRET_ARN; `missing` says what it is when neither is set. */
export async function requiredSecret(env: NodeJS.ProcessEnv, name: (typeof SECRET_NAMES)[number], missing: string): Promise<string> {
  const value = (await resolveSecretEnv(env, [name]))[name];
  if (!value) throw new ConfigError([missing]);
  return value;
}
