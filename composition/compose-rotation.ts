import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HubTokensHttp } from '../shared/adapters/huggingface/hub-tokens.js';
import { SecretsManagerStore } from '../shared/adapters/secrets-manager/secret-store.js';
import type { RotationPorts } from '../shared/rotation/rotate-credential.js';
import { awsClientConfig } from '../shared/runtime/aws-endpoint.js';
import { composeEventSink, composeState, type ComposeOptions } from './compose.js';
import { hubRateLimits } from './container-cache.js';
import type { Config, RotationSecrets } from '../shared/runtime/config.js';

/**
 * The ports of the rotate-tokens use case: the Hub's token calls with the admin token (and the
 * OAuth app for token exchange), Secrets Manager (SECRETS_MANAGER_ENDPOINT for a local server),
 * the credential state in the state table, and our bus when EVENT_BUS_NAME is set.
 */
export async function composeRotation(
  config: Config,
  secrets: RotationSecrets,
  env: Readonly<Record<string, string | undefined>>,
  options: Pick<ComposeOptions, 'state' | 'retryBaseMs'>,
): Promise<{ ports: RotationPorts; close: () => Promise<void> }> {
  const exchange = config.file.tokenExchange;
  const hub = new HubTokensHttp({
    endpoint: config.file.huggingface.endpoint,
    adminToken: secrets.hfToken,
    organization: config.policy.organization,
    tokenExchange:
      exchange && secrets.oauthClientSecret
        ? { clientId: exchange.clientId, clientSecret: secrets.oauthClientSecret, audience: exchange.audience }
        : undefined,
    limits: hubRateLimits(),
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
  });
  const endpoint = env.SECRETS_MANAGER_ENDPOINT?.trim();
  const client = new SecretsManagerClient(awsClientConfig(endpoint, env));
  const state = await composeState(options.state);
  return {
    ports: {
      hub,
      secrets: new SecretsManagerStore(client),
      store: state.credentials,
      events: env.EVENT_BUS_NAME?.trim() ? composeEventSink(env) : undefined,
      clock: () => new Date(),
    },
    close: async () => {
      client.destroy();
      await state.close();
    },
  };
}
