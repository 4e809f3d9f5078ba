import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';

/** serverless.yml as data; CloudFormation's short tags (!Ref, !GetAtt, …) are kept as their plain values. */
async function readServerlessYml(): Promise<Record<string, any>> {
  const doc = parseDocument(await readFile(resolve('serverless.yml'), 'utf8'), {
    customTags: ['Ref', 'GetAtt', 'Sub', 'If', 'Not', 'Equals', 'Join', 'Select', 'Split'].flatMap((name) =>
      (['scalar', 'seq'] as const).map((kind) => ({
        tag: `!${name}`,
        collection: kind === 'seq' ? ('seq' as const) : undefined,
        resolve: (value: unknown) => value,
      })),
    ),
  });
  return doc.toJS() as Record<string, any>;
}

/** The filter patterns of `fn`'s stream event in serverless.yml: the ones Lambda applies to the table's stream. */
export async function readStackFilterPatterns(fn: string): Promise<unknown[]> {
  const stack = await readServerlessYml();
  const stream = (stack.functions[fn].events as Array<Record<string, any>>).find((e) => e.stream)?.stream;
  if (!stream) throw new Error(`${fn} has no stream event in serverless.yml`);
  return stream.filterPatterns ?? [];
}
