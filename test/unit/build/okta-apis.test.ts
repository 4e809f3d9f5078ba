import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The Lambda bundles keep only the Okta SDK APIs in USED_OKTA_APIS (scripts/esbuild-plugins.cjs): the product must call no other. */
const { USED_OKTA_APIS } = createRequire(import.meta.url)('../../../scripts/esbuild-plugins.cjs') as { USED_OKTA_APIS: string[] };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('Okta SDK APIs in the bundles', () => {
  it('every API the product calls on the Okta client is one the bundles keep', () => {
    const called = new Set<string>();
    for (const file of [...sources('shared'), ...sources('functions')]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\.([a-z][A-Za-z0-9]*)Api\.[a-zA-Z]+\(/g)) called.add(m[1]![0]!.toUpperCase() + m[1]!.slice(1));
    }
    expect([...called].sort()).toEqual([...USED_OKTA_APIS].sort());
  });
});
