import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The Lambda bundles keep only the Okta SDK APIs and methods in USED_OKTA_METHODS (scripts/esbuild-plugins.cjs): the product must call
 * no other.
 */
const { USED_OKTA_METHODS } = createRequire(import.meta.url)('../../../scripts/esbuild-plugins.cjs') as {
  USED_OKTA_METHODS: Record<string, string[]>;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('Okta SDK APIs in the bundles', () => {
  it('every API method the product calls on the Okta client is one the bundles keep, and the bundles keep no other', () => {
    const called = new Set<string>();
    for (const file of [...sources('shared'), ...sources('functions'), ...sources('composition')]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\.([a-z][A-Za-z0-9]*)Api\.([a-zA-Z]+)\(/g))
        called.add(`${m[1]![0]!.toUpperCase()}${m[1]!.slice(1)}.${m[2]}`);
    }
    const kept = Object.entries(USED_OKTA_METHODS).flatMap(([api, methods]) => methods.map((method) => `${api}.${method}`));
    expect([...called].sort()).toEqual(kept.sort());
  });
});
