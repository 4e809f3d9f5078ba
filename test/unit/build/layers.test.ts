import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house's layers, read from the import statements: one composition root at the top
 * (composition/), the kernel (shared/runtime) and the domain below the use cases, the sandbox and
 * the benchmarks beside them; no cycles anywhere.
 */

const ROOTS = ['functions', 'composition', 'shared', 'cli', 'sandbox', 'bench', 'test'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files = ROOTS.flatMap(sources);
const graph = new Map(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    // Type-only imports do not run: they cannot make a cycle at load time, but they still may not cross a layer upwards.
    const targets = [...text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => ({
      typeOnly: Boolean(m[2]),
      path: relative('.', normalize(join(dirname(file), m[3]!.replace(/\.js$/, '.ts')))),
    }));
    return [file, targets];
  }),
);

const layer = (file: string) =>
  file.startsWith('shared/runtime/')
    ? 'kernel'
    : file.startsWith('shared/domain/')
      ? 'domain'
      : file.startsWith('shared/ports/')
        ? 'ports'
        : file.startsWith('shared/adapters/')
          ? 'adapters'
          : file.startsWith('shared/')
            ? 'use cases'
            : file.split('/')[0]!;
const ALLOWED: Record<string, string[]> = {
  domain: ['domain'],
  ports: ['ports', 'domain'],
  kernel: ['kernel', 'domain'],
  adapters: ['adapters', 'ports', 'domain', 'kernel'],
  'use cases': ['use cases', 'ports', 'domain', 'kernel'],
  composition: ['composition', 'use cases', 'adapters', 'ports', 'domain', 'kernel'],
  functions: ['composition', 'use cases', 'ports', 'domain', 'kernel'],
  // The CLI's demo runs on the sandbox (the stand-ins).
  cli: ['cli', 'composition', 'use cases', 'ports', 'domain', 'kernel', 'sandbox'],
  // The stand-ins and the local AWS pieces: below the CLI, beside the product (they may wire it, as a test does).
  sandbox: ['sandbox', 'composition', 'use cases', 'adapters', 'ports', 'domain', 'kernel'],
  // The benchmarks run the product on the sandbox, and the chaos campaign the tests define.
  bench: ['bench', 'sandbox', 'composition', 'use cases', 'adapters', 'ports', 'domain', 'kernel', 'functions', 'test'],
  test: ['test', 'bench', 'cli', 'sandbox', 'functions', 'composition', 'use cases', 'adapters', 'ports', 'domain', 'kernel'],
};

describe('layers', () => {
  it('no file imports a layer above its own (the composition root is the only place that wires adapters)', () => {
    // Data (the reference specs as JSON) is not a layer.
    const wrong = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => t.path.endsWith('.ts') && !ALLOWED[layer(file)]!.includes(layer(t.path))).map((t) => `${file} → ${t.path}`),
    );
    expect(wrong).toEqual([]);
  });

  it('no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const t of graph.get(file) ?? []) if (!t.typeOnly && graph.has(t.path)) visit(t.path, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
