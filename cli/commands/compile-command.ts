import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { compileConfig } from '../../shared/runtime/config.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { EXIT, type CliIo } from '../io.js';

/**
 * `compile --config FILE --out FILE.json`: checks the configuration file (every problem listed,
 * nothing written) and writes the compiled configuration the Lambda functions read
 * (HF_IAM_SYNC_CONFIG). `npm run package` runs it on the configFile parameter.
 */
export async function runCompileCommand(args: { config: string; out: string | undefined }, io: CliIo): Promise<number> {
  if (!args.out)
    throw new ConfigError([
      'compile needs --out FILE.json: where to write the compiled configuration (the Lambda functions read it through HF_IAM_SYNC_CONFIG)',
    ]);
  const text = await readFile(resolve(io.cwd, args.config), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError([`cannot read configuration file ${args.config}: ${error.code ?? error.message}`]);
  });
  const compiled = compileConfig(text, args.config);
  const out = resolve(io.cwd, args.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, compiled);
  io.stderr(`${args.config} is valid; compiled to ${args.out}`);
  return EXIT.ok;
}
