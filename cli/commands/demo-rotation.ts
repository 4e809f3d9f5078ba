import { appendFile } from 'node:fs/promises';
import { SecretsManagerStandIn } from '../../sandbox/aws/secrets-manager-stand-in.js';
import { oauthApp } from '../../sandbox/hub/token-exchange-routes.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { composeRotation } from '../../composition/compose-rotation.js';
import { loadConfig, readRotationSecrets } from '../../shared/runtime/config.js';
import { newRunId } from '../../composition/compose.js';
import { rotateTokens } from '../../shared/rotation/rotate-tokens.js';
import type { CliIo } from '../io.js';
import { stateOption } from '../command-setup.js';
import { renderRotation } from './rotate-command.js';

/**
 * Demo step 7: a CI token and a notebook token that nobody pastes by hand. The admin creates a
 * service account on the Hub and names two credentials in the config; `rotate` mints, stores,
 * verifies and promotes them; a second rotation keeps the old token alive for its grace period;
 * an hour later (the clock moved forward) the old token is deleted.
 */

const CI_SECRET = 'hf-iam-sync/demo/credentials/ci-models';
const OAUTH_CLIENT_SECRET = 'sandbox-oauth-client-secret';

export async function rotationStep(
  sandbox: Sandbox,
  config: string,
  io: CliIo,
  out: CliIo,
  step: (title: string, argv: string[], env?: Record<string, string>) => Promise<number>,
): Promise<boolean> {
  out.stdout('\n━━━ 7. Token rotation: tokens nobody pastes by hand\n');
  const secrets = new SecretsManagerStandIn();
  await secrets.start();
  try {
    const app = oauthApp({ organization: 'acme', clientId: 'demo-app-0001', clientSecret: OAUTH_CLIENT_SECRET });
    sandbox.hub.oauthApps.set(app.clientId, app);
    sandbox.hub.addServiceAccount('ci-bot', 'CI jobs');
    const added = credentialsConfig(app.clientId);
    await appendFile(config, added);
    out.stdout(`An admin created service account ci-bot on the Hub and added to the configuration:\n${added}`);
    const env = { SECRETS_MANAGER_ENDPOINT: secrets.baseUrl, HF_OAUTH_CLIENT_SECRET: OAUTH_CLIENT_SECRET };
    await step('7a. What rotation would do (writes nothing)', ['rotate', '--config', config, '--dry-run'], env);
    await step('7b. First rotation: mint → AWSPENDING → verify with whoami-v2 → AWSCURRENT', ['rotate', '--config', config], env);
    const v1 = secrets.valueAt(CI_SECRET)!;
    out.stdout(
      `\nA CI job reads ${CI_SECRET} (AWSCURRENT): …${v1.slice(-4)}, the Hub ${sandbox.hub.accepts(v1) ? 'accepts' : 'REJECTS'} it.`,
    );
    await step('7c. Rotate ci-models now (weekly on its own)', ['rotate', '--config', config, '--credential', 'ci-models'], env);
    const v2 = secrets.valueAt(CI_SECRET)!;
    out.stdout(
      `\nAWSCURRENT …${v2.slice(-4)} (accepted: ${sandbox.hub.accepts(v2)}); AWSPREVIOUS …${secrets.valueAt(CI_SECRET, 'AWSPREVIOUS')?.slice(-4)} still accepted during the grace period: ${sandbox.hub.accepts(v1)}`,
    );

    await anHourLater(config, io, env, out);
    await step('7e. The rotation trail, for an auditor', ['audit', '--config', config, '--credential', 'ci-models'], env);
    const ok =
      !sandbox.hub.accepts(v1) &&
      sandbox.hub.accepts(secrets.valueAt(CI_SECRET)!) &&
      sandbox.hub.accepts(secrets.valueAt('hf-iam-sync/demo/credentials/ada-notebooks')!);
    out.stdout(
      `\nOld token …${v1.slice(-4)} accepted now: ${sandbox.hub.accepts(v1)}. No token value was printed above: only last four characters and fingerprints.`,
    );
    return ok;
  } finally {
    await secrets.stop();
  }
}

/** What the admin adds to the configuration: the OAuth app, a service-account credential and a token-exchange one. */
const credentialsConfig = (clientId: string) => `tokenExchange:
  clientId: ${clientId}
  audience: acme
credentials:
  - name: ci-models
    serviceAccount: ci-bot
    permissions: [repo.content.read, repo.write]
    secret: ${CI_SECRET}
    gracePeriod: 1h
  - name: ada-notebooks
    kind: token-exchange
    subject: ada-acme@users.example
    secret: hf-iam-sync/demo/credentials/ada-notebooks
`;

/** The scheduled rotation an hour on (the clock moved forward): the grace period over, the old token is deleted. */
async function anHourLater(config: string, io: CliIo, env: Record<string, string>, out: CliIo): Promise<void> {
  out.stdout('\n━━━ 7d. An hour later (the clock moved forward): the old token is deleted\n');
  const parsed = await loadConfig(config);
  const { ports, close } = await composeRotation(
    parsed,
    readRotationSecrets({ ...io.env, ...env }, parsed),
    { ...io.env, ...env },
    { state: stateOption(io) },
  );
  try {
    const later = { ...ports, clock: () => new Date(Date.now() + 61 * 60_000) };
    const report = await rotateTokens(later, parsed.credentials, 'acme', { dryRun: false, runId: newRunId() });
    out.stdout(renderRotation(report, later.clock()));
  } finally {
    await close();
  }
}
