import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** `access-review`: the sample company (sandbox/seed.ts) as a reviewer sees it, in every format, and what changed since the last review. */

const ctx = useCliSandbox();

type Row = {
  user: string;
  role: string;
  oktaLogin: string | null;
  grantedBy: string[];
  since: string | null;
  lastChange: { actor: string } | null;
  flags: string[];
  resourceGroups: Array<{ name: string; role: string }>;
};

describe('access review', () => {
  it('says who has access and why, as the seed describes, in json, csv and table', async () => {
    const env = { ...ctx.sandbox.env, USER: 'auditor' };
    await runCli(['apply', '--config', ctx.config, '--yes'], { env, cwd: ctx.dir });
    const json = await runCli(['access-review', '--config', ctx.config, '--format', 'json'], { env, cwd: ctx.dir });
    expect(json.code).toBe(0);
    const review = JSON.parse(json.stdout) as {
      organization: string;
      rows: Row[];
      summary: { members: number; byRole: Record<string, number> };
    };
    const row = (user: string) => review.rows.find((r) => r.user === user)!;
    expect(review.organization).toBe('acme');
    expect(review.summary.members).toBe(ctx.sandbox.hub.members.size);
    expect(row('ada-acme')).toMatchObject({
      role: 'admin',
      oktaLogin: 'ada@acme.example',
      grantedBy: [expect.stringContaining('hf-acme-admin')],
      flags: [],
    });
    expect(row('grace-h')).toMatchObject({
      role: 'write',
      resourceGroups: [
        { name: 'llm', role: 'write' },
        { name: 'vision', role: 'read' },
      ],
      lastChange: expect.objectContaining({ actor: expect.stringContaining('auditor') }),
    });
    expect(row('grace-h').since).not.toBeNull();
    expect(row('consultant').flags).toEqual([expect.stringMatching(/^unmanaged/)]);
    expect(row('root-admin').flags).toEqual(expect.arrayContaining([expect.stringMatching(/^protected/)]));
    expect(row('linus-t')).toMatchObject({ role: 'no_access', grantedBy: [] });
    expect(review.summary.byRole.admin).toBe(2);

    const csv = await runCli(['access-review', '--config', ctx.config, '--format', 'csv'], { env, cwd: ctx.dir });
    const lines = csv.stdout.split('\r\n');
    expect(lines[0]).toBe('user,role,resource_groups,okta_login,granted_by,since,last_change,flags');
    expect(lines.find((l) => l.startsWith('consultant,'))).toContain('unmanaged');
    const table = await runCli(['access-review', '--config', ctx.config], { env, cwd: ctx.dir });
    expect(table.stdout).toMatch(/^Access review of "acme", .*: \d+ members\n {2}by role: /);
    expect(table.stdout).toMatch(/\nada-acme +admin +- +ada@acme\.example/);
  });

  it('--compare finds a planted change', async () => {
    const env = ctx.sandbox.env;
    const first = join(ctx.dir, 'review-1.json');
    expect((await runCli(['access-review', '--config', ctx.config, '--format', 'json', '--out', first], { env, cwd: ctx.dir })).code).toBe(
      0,
    );
    expect(JSON.parse(await readFile(first, 'utf8')).rows.length).toBeGreaterThan(0);
    ctx.sandbox.hub.member('consultant')!.role = 'admin';
    ctx.sandbox.hub.addMember('newcomer', 'read');
    const second = await runCli(['access-review', '--config', ctx.config, '--compare', first], { env, cwd: ctx.dir });
    expect(second.stdout).toContain('Changes since the review of');
    expect(second.stdout).toContain('~ consultant: role read → admin');
    expect(second.stdout).toContain('+ newcomer: new member, read');
    await writeFile(first, '{"not":"a review"}');
    const wrong = await runCli(['access-review', '--config', ctx.config, '--compare', first], { env, cwd: ctx.dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('is not an access review');
  });
});
