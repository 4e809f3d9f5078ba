import { parseConfig, type Config } from '../../shared/runtime/config.js';
import type { Composition } from '../../composition/compose.js';
import { composeForSandbox, startSandbox, type Sandbox } from '../../sandbox/sandbox.js';

/**
 * A fresh sandbox (Okta and Hub stand-ins, dynalite) and the real adapters composed against it,
 * over HTTP on ephemeral loopback ports. `configure` edits the sandbox's configuration text.
 */
export interface Harness {
  sandbox: Sandbox;
  config: Config;
  composition: Composition;
  stop: () => Promise<void>;
}

export async function startHarness(options: { seed?: boolean; configure?: (text: string) => string } = {}): Promise<Harness> {
  const sandbox = await startSandbox({ seed: options.seed ?? true });
  const config = parseConfig((options.configure ?? ((t) => t))(sandbox.configText), 'sandbox.yaml');
  const composition = await composeForSandbox(config, sandbox.dynamoEndpoint, { hfScimToken: 'scim-token', retryBaseMs: 5 });
  sandbox.hub.addToken('scim-token', { user: 'scim', admin: false, kind: 'scim' });
  return {
    sandbox, config, composition,
    stop: async () => {
      await composition.close();
      await sandbox.stop();
    },
  };
}
