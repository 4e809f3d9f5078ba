import { randomBytes } from 'node:crypto';
// node:http underneath: Node's own fetch loads undici on its first call, tens of ms of a cold start.
import nodeFetch from 'node-fetch';
import { DynamoDbCiTokenLedger } from '../shared/adapters/dynamodb/ci-token-ledger.js';
import { createDocumentClient, ensureTable } from '../shared/adapters/dynamodb/table.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HubTokensHttp } from '../shared/adapters/huggingface/hub-tokens.js';
import { JoseIdTokenVerifier } from '../shared/adapters/oidc/jose-verifier.js';
import type { CiBrokerPorts, CiBrokerSettings } from '../shared/ci-tokens/exchange-token.js';
import { GrantCache } from '../shared/ci-tokens/grant-cache.js';
import type { SweepPorts } from '../shared/ci-tokens/sweep-ci-tokens.js';
import type { Config, StateLocation } from '../shared/runtime/config-model.js';
import { packagedConfig } from './packaged-config.js';
import { composeEventSink } from './event-sink.js';
import { onceUntilFailure, requiredSecret } from './once.js';
import { hubRateLimits, perContainerUntilFailure } from './container-cache.js';

/**
 * The ci-token broker's and its sweeper's wiring: the compiled configuration, the state table,
 * the OIDC verifier, and — only when a token is issued or swept — the Hub with the broker's admin
 * token (HF_TOKEN, or through HF_TOKEN_SECRET_ARN). Built once per container.
 */

/** Exchange ids: `ci-<base36 ms>-<random>`, sorting by time like run ids. */
export const newExchangeId = () => `ci-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export interface CiSetup {
  settings: CiBrokerSettings;
  ports: CiBrokerPorts;
  sweep: () => Promise<SweepPorts>;
}

/** The wiring for a configuration and a table; the CLI and the tests build it the same way. */
export async function composeCiTokens(
  config: Config,
  location: StateLocation,
  env: Readonly<Record<string, string | undefined>>,
): Promise<CiSetup> {
  const doc = createDocumentClient(location.endpoint);
  if (location.endpoint) await ensureTable(doc, location.table);
  const hub = onceUntilFailure(async () =>
    composeCiHub(
      config,
      await requiredSecret(
        env as NodeJS.ProcessEnv,
        'HF_TOKEN',
        'HF_TOKEN (or HF_TOKEN_SECRET_ARN) is not set: the admin token the broker creates and deletes service-account tokens with',
      ),
    ),
  );
  const events = env.EVENT_BUS_NAME?.trim() ? composeEventSink(env) : undefined;
  const ledger = new DynamoDbCiTokenLedger(doc, location.table, config.policy.organization);
  const clock = () => new Date();
  const ports: CiBrokerPorts = {
    verifier: new JoseIdTokenVerifier(config.ciAccess.issuers, { fetch: nodeFetch }),
    ledger,
    hub: () => hub(undefined),
    grants: new GrantCache(),
    events,
    clock,
    newRunId: newExchangeId,
  };
  return {
    settings: { organization: config.policy.organization, ciAccess: config.ciAccess },
    ports,
    sweep: async () => ({ ledger, hub: await hub(undefined), events, clock, newRunId: newExchangeId }),
  };
}

const lambda = perContainerUntilFailure('ci-token-setup', async (env: NodeJS.ProcessEnv) => {
  const { config, location } = await packagedConfig(env);
  return composeCiTokens(config, location, env);
});

/** The Lambda functions' wiring, once per container (a failed start is not kept). */
export function ciTokenSetup(env: NodeJS.ProcessEnv = process.env): Promise<CiSetup> {
  return lambda(env);
}

/**
 * What the CLI's `ci-tokens` and `doctor` use: the ledger on an open table, and the Hub's token
 * calls with an admin token (absent: the calls that need it answer 401 with the setting to fix).
 */
export function composeCiAdmin(config: Config, table: { doc: DynamoDBDocumentClient; table: string }, hfToken: string | undefined) {
  return { ledger: new DynamoDbCiTokenLedger(table.doc, table.table, config.policy.organization), hub: composeCiHub(config, hfToken) };
}

/** The Hub's token calls with an admin token, over node-fetch (see the import above). */
export function composeCiHub(config: Config, hfToken: string | undefined): HubTokensHttp {
  return new HubTokensHttp({
    endpoint: config.file.huggingface.endpoint,
    adminToken: hfToken ?? '',
    organization: config.policy.organization,
    fetch: nodeFetch,
    limits: hubRateLimits(),
  });
}
