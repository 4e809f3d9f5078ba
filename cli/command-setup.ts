import { resolve } from 'node:path';
import { loadConfig, readSecrets, readStateLocation, type Config } from '../shared/runtime/config.js';
import { compose, composeState, type ComposeOptions, type Composition } from '../composition/compose.js';
import type { CliIo } from './io.js';

/**
 * Loads configuration and secrets and composes the ports for one CLI command. State goes to
 * DynamoDB when STATE_TABLE or DYNAMODB_ENDPOINT is set, else to the embedded store under
 * `.hf-iam-sync/` in the working directory.
 */
export async function openCommand(
  configPath: string,
  io: CliIo,
  options: { createTable?: boolean } = {},
): Promise<{ config: Config; composition: Composition }> {
  const config = await loadConfig(resolve(io.cwd, configPath));
  const secrets = readSecrets(io.env, config.file);
  const composition = await compose(config, secrets, { state: stateOption(io), ...options });
  return { config, composition };
}

export function stateOption(io: CliIo): ComposeOptions['state'] {
  const location = readStateLocation(io.env);
  return location ? { kind: 'dynamodb', location } : { kind: 'embedded', directory: resolve(io.cwd, '.hf-iam-sync') };
}

/** Configuration and the state store only: for commands that read the audit trail. */
export async function openState(configPath: string, io: CliIo) {
  const config = await loadConfig(resolve(io.cwd, configPath));
  return { config, ...(await composeState(stateOption(io))) };
}

/** The person running the command, for the audit trail. */
export function actorOf(io: CliIo): string {
  return io.env.HF_IAM_SYNC_ACTOR ?? io.env.USER ?? io.env.LOGNAME ?? 'unknown';
}
