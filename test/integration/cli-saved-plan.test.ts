import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** Reviewed plans: `plan --out FILE`, then `apply FILE` — exactly the reviewed changes, or a clear refusal. */

const ctx = useCliSandbox();
const KEY = 'k'.repeat(40);
const rolePuts = () => ctx.sandbox.hub.calls.filter((c) => c.method === 'PUT' && /\/role$/.test(c.path) && c.status === 200);

async function savePlan(env: Record<string, string>) {
  const file = join(ctx.dir, 'plan.json');
  const saved = await runCli(['plan', '--config', ctx.config, '--out', file], { env, cwd: ctx.dir });
  expect(saved.code).toBe(0);
  expect(saved.stderr).toContain(`Plan saved to ${file} (signed; `);
  return file;
}

describe('saved plans', () => {
  it('applies exactly the saved changes: no Okta read, nothing planned anew', async () => {
    const env = { ...ctx.sandbox.env, HF_IAM_SYNC_PLAN_KEY: KEY };
    const file = await savePlan(env);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { plan: { changes: Array<{ user: string; action: string }> } };
    const oktaBefore = ctx.sandbox.okta.calls.length;
    const applied = await runCli(['apply', '--config', ctx.config, file, '--yes'], { env, cwd: ctx.dir });
    expect(applied.code).toBe(0);
    expect(ctx.sandbox.okta.calls.length).toBe(oktaBefore); // nothing planned: Okta is not read
    const setRoles = saved.plan.changes
      .filter((c) => c.action === 'set-role' || c.action === 'remove')
      .map((c) => c.user)
      .sort();
    expect(
      rolePuts()
        .map((c) => c.path.split('/')[5])
        .sort(),
    ).toEqual(setRoles);
    expect(applied.stdout).toMatch(/Apply succeeded: \d+ applied, 0 failed, 0 stale/);
    // Applied once is applied: the same file again finds every member moved (by that run).
    const again = await runCli(['apply', '--config', ctx.config, file, '--yes'], { env, cwd: ctx.dir });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(
      /linus-t: remove refused, stale: the Hub already showed the planned access .*; changed by hf-iam-sync run r-/,
    );
  });

  it('a member changed on the Hub since the plan is refused with how and by whom; the rest applies — or nothing, with --all-or-nothing', async () => {
    const env = { ...ctx.sandbox.env, HF_IAM_SYNC_PLAN_KEY: KEY };
    const file = await savePlan(env);
    ctx.sandbox.hub.member('grace-h')!.role = 'admin'; // someone on the Hub
    const none = await runCli(['apply', '--config', ctx.config, file, '--yes', '--all-or-nothing'], { env, cwd: ctx.dir });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('(--all-or-nothing: nothing applied)');
    expect(rolePuts()).toEqual([]);
    const some = await runCli(['apply', '--config', ctx.config, file, '--yes'], { env, cwd: ctx.dir });
    expect(some.code).toBe(1);
    expect(some.stdout).toMatch(
      /grace-h: set-role refused, stale: grace-h changed since the plan was made: planned from read with vision:read, the Hub now shows admin with vision:read; changed outside hf-iam-sync/,
    );
    expect(ctx.sandbox.hub.member('grace-h')?.role).toBe('admin');
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('no_access');
  });

  it('refuses an edited plan, a plan made under another configuration, and saving or applying without the key', async () => {
    const env = { ...ctx.sandbox.env, HF_IAM_SYNC_PLAN_KEY: KEY };
    const file = await savePlan(env);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"role": "no_access"', '"role": "admin"'));
    const edited = await runCli(['apply', '--config', ctx.config, file, '--yes'], { env, cwd: ctx.dir });
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain('the signature does not match — the file was changed after `plan --out` wrote it');
    await writeFile(file, text);
    await writeFile(ctx.config, `${ctx.sandbox.configText}\n# a comment is a change too\n`);
    const otherConfig = await runCli(['apply', '--config', ctx.config, file, '--yes'], { env, cwd: ctx.dir });
    expect(otherConfig.stderr).toContain('was made under another configuration');
    const noKey = await runCli(['plan', '--config', ctx.config, '--out', file], { env: ctx.sandbox.env, cwd: ctx.dir });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('HF_IAM_SYNC_PLAN_KEY must be set to a secret of at least 32 characters');
    expect(rolePuts()).toEqual([]);
  });
});
