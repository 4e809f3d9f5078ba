import { loadCompiledConfig, readStateLocation, type Config, type StateLocation } from '../shared/runtime/config-model.js';
import { ConfigError } from '../shared/runtime/errors.js';

/**
 * What every Lambda function starts from: the compiled configuration HF_IAM_SYNC_CONFIG names
 * and the state table (STATE_TABLE, DYNAMODB_ENDPOINT for a local server); both missing are one error.
 */
export async function packagedConfig(env: NodeJS.ProcessEnv): Promise<{ config: Config; location: StateLocation }> {
  const path = env.HF_IAM_SYNC_CONFIG;
  const location = readStateLocation(env);
  const problems = [
    ...(path ? [] : ['HF_IAM_SYNC_CONFIG is not set (the path of the compiled configuration the package step writes)']),
    ...(location ? [] : ['STATE_TABLE is not set (the DynamoDB table of this stack)']),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: await loadCompiledConfig(path!), location: location! };
}
