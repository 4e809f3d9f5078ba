import { startEmbeddedDynamo } from '../shared/adapters/dynamodb/embedded.js';
import type { Config } from '../shared/runtime/config.js';
import { compose, type Composition } from '../composition/compose.js';
import { HubStandIn } from './hub/hub-stand-in.js';
import { OktaStandIn } from './okta/okta-stand-in.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN, SANDBOX_ORG, sandboxConfig, seedSampleCompany } from './seed.js';

/**
 * The embedded local sandbox: the Okta and Hub stand-ins and a DynamoDB-compatible server, each on
 * an ephemeral loopback port. `npm start`, the integration tests and the benchmark all use it.
 */

export interface Sandbox {
  okta: OktaStandIn;
  hub: HubStandIn;
  dynamoEndpoint: string;
  /** Configuration file text pointing at the stand-ins. */
  configText: string;
  /** The environment a run needs: tokens and where the state lives. */
  env: Record<string, string>;
  stop: () => Promise<void>;
}

/**
 * `dynamo`: a DynamoDB-compatible server the caller runs (e.g. DynamoDB Local, a process of its
 * own) instead of the embedded dynalite.
 */
export async function startSandbox(
  options: { seed?: boolean; hubPlan?: 'team' | 'enterprise' | 'plus'; dynamo?: { endpoint: string } } = {},
): Promise<Sandbox> {
  const okta = new OktaStandIn(SANDBOX_OKTA_TOKEN);
  const hub = new HubStandIn(SANDBOX_ORG, options.hubPlan ?? 'enterprise');
  if (options.seed ?? true) seedSampleCompany(okta, hub);
  else hub.addToken(SANDBOX_HF_TOKEN, { user: 'root-admin', admin: true, kind: 'user' });
  const [oktaUrl, hubUrl, dynamo] = await Promise.all([
    okta.start(),
    hub.start(),
    options.dynamo ? { ...options.dynamo, close: async () => undefined } : startEmbeddedDynamo(),
  ]);
  return {
    okta,
    hub,
    dynamoEndpoint: dynamo.endpoint,
    configText: sandboxConfig(oktaUrl, hubUrl),
    env: { OKTA_API_TOKEN: SANDBOX_OKTA_TOKEN, HF_TOKEN: SANDBOX_HF_TOKEN, DYNAMODB_ENDPOINT: dynamo.endpoint, STATE_TABLE: 'hf-iam-sync' },
    stop: async () => {
      await Promise.all([okta.stop(), hub.stop(), dynamo.close()]);
    },
  };
}

/**
 * The real adapters composed against the stand-ins: the sandbox's tokens, state in its DynamoDB.
 * For tests and benchmarks that call the use cases directly instead of through the CLI.
 */
export function composeForSandbox(
  config: Config,
  dynamoEndpoint: string,
  options: { hfScimToken?: string; retryBaseMs?: number } = {},
): Promise<Composition> {
  return compose(
    config,
    { okta: { mode: 'SSWS', token: SANDBOX_OKTA_TOKEN }, hfToken: SANDBOX_HF_TOKEN, hfScimToken: options.hfScimToken },
    {
      state: { kind: 'dynamodb', location: { table: 'hf-iam-sync', endpoint: dynamoEndpoint } },
      ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    },
  );
}
