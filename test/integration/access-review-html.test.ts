import { spawnSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/**
 * The access review's HTML page: one self-contained file (nothing from the network), the summary
 * before the table, every member a row, filters. Parsed here always; rendered headless in Chromium
 * (puppeteer-core drives the machine's own browser, nothing is downloaded) where one is installed.
 */

const ctx = useCliSandbox();

function chromium(): string | null {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const found = spawnSync('which', [name], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

async function page(): Promise<{ file: string; html: string }> {
  const file = join(ctx.dir, 'review.html');
  const made = await runCli(['access-review', '--config', ctx.config, '--format', 'html', '--out', file], {
    env: ctx.sandbox.env,
    cwd: ctx.dir,
  });
  expect(made.code).toBe(0);
  return { file, html: await readFile(file, 'utf8') };
}

describe('the access review page, parsed', () => {
  it('is self-contained, puts the summary first, and has a row for every member', async () => {
    const { html } = await page();
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="members"'));
    const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
    expect(body.match(/<tr /g)).toHaveLength(ctx.sandbox.hub.members.size);
    for (const user of ctx.sandbox.hub.members.keys()) expect(body).toContain(`<td>${user}</td>`);
    expect(html).toContain(`<strong id="member-count">${ctx.sandbox.hub.members.size}</strong> members`);
    expect(html).toMatch(/<svg role="img" aria-label="Members per role"/);
    expect(html).toContain('@media print');
    expect(html).toMatch(/<option value="unmanaged \(no Okta user claims this member\)">unmanaged<\/option>/);
  });
});

const browser = chromium();
describe.skipIf(browser === null)(
  `the access review page, rendered${browser === null ? ' (skipped: no Chromium on this machine — apt-get install chromium, or set CHROMIUM_PATH)' : ''}`,
  () => {
    it('shows the summary, filters the table, makes no network request, and prints to a screenshot', async () => {
      const { launch } = await import('puppeteer-core');
      const { file } = await page();
      const chrome = await launch({ executablePath: browser!, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
      try {
        const tab = await chrome.newPage();
        const requests: string[] = [];
        tab.on('request', (r) => requests.push(r.url()));
        await tab.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        expect(await tab.$eval('#summary', (el) => (el as unknown as { offsetHeight: number }).offsetHeight > 0)).toBe(true);
        await tab.type('#q', 'consultant');
        expect(await tab.$eval('#shown', (el) => el.textContent)).toBe('1 shown');
        await tab.select('#flag', 'unmanaged (no Okta user claims this member)');
        expect(await tab.$$eval('#members tbody tr:not(.hidden)', (rows) => rows.length)).toBe(1);
        const shot = join(ctx.dir, 'review.png');
        await tab.screenshot({ path: shot, fullPage: true });
        expect((await stat(shot)).size).toBeGreaterThan(1000);
        expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      } finally {
        await chrome.close();
      }
    }, 60_000);
  },
);
