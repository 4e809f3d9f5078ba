import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { configSchema, crossChecks, type ConfigFile } from './config-schema.js';
import { COMPILED_CONFIG_FORMAT, configFrom, type CompiledConfig, type Config } from './config-model.js';
import { ConfigError } from './errors.js';

export * from './config-model.js';

/**
 * Configuration, parsed once and strictly: the file (YAML or JSON) for behaviour, the environment
 * for secrets and where state lives (config-model.ts). Every problem is collected and reported in
 * one `ConfigError`. `compileConfig` is the package step's: it checks a file once and writes what
 * the Lambda functions read without this module.
 */

/** sha256 of a configuration file's text. */
export const configSha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Checks configuration text against the schema; answers the file with defaults applied. `origin` names the file in messages. */
function checkConfig(text: string, origin: string): ConfigFile {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${origin}: ${e.message.split('\n')[0]}`));
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  const problems = [
    ...(result.success
      ? []
      : result.error.issues.map((issue) => {
          const where = issue.path.length
            ? issue.path
                .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
                .join('')
                .replace(/^\./, '')
            : '(top level)';
          return `${origin}: ${where}: ${issue.message}`;
        })),
    ...crossChecks(raw).map((p) => `${origin}: ${p.path}: ${p.message}`),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/**
 * Parses configuration text. `origin` names the file in messages.
 * @example parseConfig('organization: acme\n…', 'hf-iam-sync.yaml').policy.organization === 'acme'
 */
export function parseConfig(text: string, origin: string): Config {
  return configFrom(checkConfig(text, origin), configSha256(text));
}

/**
 * The compiled configuration of `text` (config-model.ts's `readCompiledConfig` reads it back):
 * checked here, so a bad file fails where it is compiled. `origin` names the source in the output
 * and in messages.
 */
export function compileConfig(text: string, origin: string): string {
  const compiled: CompiledConfig = {
    format: COMPILED_CONFIG_FORMAT,
    source: { path: origin, sha256: configSha256(text) },
    file: checkConfig(text, origin),
  };
  return `${JSON.stringify(compiled, null, 2)}\n`;
}

/** Reads and parses a configuration file; a missing file is a `ConfigError` naming the path. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`], {
      cause: error,
    });
  }
  return parseConfig(text, path);
}
