import { composeCiTokens, type CiSetup } from '../composition/ci-token-setup.js';
import { exchangeCiToken } from '../shared/ci-tokens/exchange-token.js';
import { parseExchange } from '../shared/ci-tokens/exchange-request.js';
import { exchangeResponse, httpRequestOf } from '../shared/ci-tokens/exchange-response.js';
import type { Config, StateLocation } from '../shared/runtime/config-model.js';
import { serveFunctionUrl } from './function-url.js';

/**
 * The broker's use case on a loopback URL, as the ci-token function serves it behind its Function
 * URL (without the Lambda runtime around it): for the demo and the benchmark.
 */
export async function serveBroker(
  config: Config,
  location: StateLocation,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ url: string; setup: CiSetup; stop: () => Promise<void> }> {
  const setup = await composeCiTokens(config, location, env);
  const served = await serveFunctionUrl(async (event) =>
    exchangeResponse(await exchangeCiToken(setup.ports, setup.settings, parseExchange(httpRequestOf(event)))),
  );
  return { url: served.url, setup, stop: served.stop };
}
