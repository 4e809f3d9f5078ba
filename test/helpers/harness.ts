import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeSink } from '../../shared/adapters/eventbridge/eventbridge-sink.js';
import type { EventPorts } from '../../shared/offboarding/handle-okta-events.js';
import { parseConfig, type Config } from '../../shared/runtime/config.js';
import { EventBridgeStandIn } from '../../sandbox/aws/eventbridge-stand-in.js';
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
    sandbox,
    config,
    composition,
    stop: async () => {
      await composition.close();
      await sandbox.stop();
    },
  };
}

/** A harness whose ports also publish to an EventBridge stand-in (`bus`); `h.stop()` stops both. */
export async function startEventHarness(
  options: Parameters<typeof startHarness>[0] = {},
): Promise<{ h: Harness; bus: EventBridgeStandIn; ports: EventPorts }> {
  const h = await startHarness(options);
  const bus = new EventBridgeStandIn();
  await bus.start();
  const client = new EventBridgeClient({
    endpoint: bus.baseUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  return {
    h: {
      ...h,
      stop: async () => {
        await h.stop();
        await bus.stop();
      },
    },
    bus,
    ports: { ...h.composition.ports, events: new EventBridgeSink(() => client, 'hf-iam-sync-test') },
  };
}
