import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/** The README's dashboard table is the dashboard's definition (stack/dashboard.cjs), rendered: widget, what it shows, its metrics. */

type Metric = [string, string, ...unknown[]] | [{ expression: string }];
const { widgets } = createRequire(import.meta.url)('../../../stack/dashboard.cjs') as { widgets: Array<[string, string, Metric[]]> };

function metricsCell(metrics: Metric[]): string {
  const groups = new Map<string, string[]>();
  for (const m of metrics) {
    const search = (m[0] as { expression?: string }).expression;
    if (search) {
      const [, dimension, name] = /\{hf-iam-sync,(\w+),service\} MetricName="(\w+)"/.exec(search)!;
      groups.set(`\`${name}\` by ${dimension}`, []);
      continue;
    }
    const [namespace, name, ...rest] = m as [string, string, ...unknown[]];
    const options = rest.find((x) => typeof x === 'object') as { stat?: string } | undefined;
    const key = namespace === 'hf-iam-sync' ? `\`${name}\`` : `${namespace} \`${name}\``;
    groups.set(key, [...(groups.get(key) ?? []), options?.stat ?? '']);
  }
  return [...groups]
    .map(([key, stats]) => {
      if (stats.length < 2) return key;
      return key.includes('/') ? `${key} (×${stats.length})` : `${key} ${stats.join(', ')}`;
    })
    .join('; ');
}

describe('the README dashboard table', () => {
  it('is the dashboard definition, rendered', async () => {
    const readme = await readFile('README.md', 'utf8');
    const block = /<!-- dashboard:begin -->\n([\s\S]*?)\n<!-- dashboard:end -->/.exec(readme)?.[1];
    const rendered = [
      '| widget | what it shows | metrics |',
      '|---|---|---|',
      ...widgets.map(([title, what, metrics]) => `| ${title} | ${what} | ${metricsCell(metrics)} |`),
    ].join('\n');
    expect(block, 'paste this table between the dashboard markers in README.md').toBe(rendered);
  });
});
