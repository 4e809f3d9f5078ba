import { readFileSync } from 'node:fs';

declare const HF_IAM_SYNC_VERSION: string | undefined;

/** The package's version: fixed when the CLI is built (scripts/build-cli.mjs), read from package.json when run from source. */
export function packageVersion(): string {
  if (typeof HF_IAM_SYNC_VERSION === 'string') return HF_IAM_SYNC_VERSION;
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
