import { readFile, stat, writeFile } from 'node:fs/promises';
import { readCompiledConfig } from '../../shared/runtime/config.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** The CLI as an admin uses it, in-process, against the sandbox. */

const ctx = useCliSandbox();

describe('hf-iam-sync plan', () => {
  it('prints a readable plan, exits 0 and changes nothing', async () => {
    const { code, stdout } = await runCli(['plan', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(code).toBe(0);
    expect(stdout).toContain('- linus-t  remove (revoke)');
    expect(stdout).toContain('why: linked to Okta user linus@acme.example, who is no longer entitled: Okta status is DEPROVISIONED');
    expect(stdout).toContain('kept as they are: vision');
    expect(stdout).toMatch(/Plan: 0 to add, 2 to change, 3 to remove\. Reported: 1 blocked, 1 need invite, 1 unlinked, 1 unmanaged\./);
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('write');
  });

  it('says how Okta was read: in full with no snapshot, then the changes since the last apply, and in full again with --full', async () => {
    const first = await runCli(['plan', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(first.stdout.split('\n')[0]).toBe('Okta: read in full (no snapshot of an earlier read).');
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    const next = await runCli(['plan', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(next.stdout.split('\n')[0]).toMatch(/^Okta: read the changes since the last read — \d+ group\(s\) re-read/);
    const full = await runCli(['plan', '--config', ctx.config, '--full'], { env: ctx.sandbox.env });
    expect(full.stdout.split('\n')[0]).toBe('Okta: read in full (a full read was asked for).');
    const both = await runCli(['plan', '--config', ctx.config, '--full', '--user', 'kthompson'], { env: ctx.sandbox.env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--full reads the whole organization from Okta: --user reads one person');
  });

  it('--json holds exactly the executable changes, with reported items beside them', async () => {
    const { code, stdout } = await runCli(['plan', '--config', ctx.config, '--json'], { env: ctx.sandbox.env });
    const plan = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(plan.changes.map((c: { user: string }) => c.user).sort()).toEqual(['alan-t', 'grace-h', 'kthompson', 'linus-t', 'mhamilton']);
    expect(plan.blocked.map((b: { change: { user: string } }) => b.change.user)).toEqual(['root-admin']);
    expect(plan.needsInvite.map((n: { user: string }) => n.user)).toEqual(['dritchie']);
    expect(plan.unlinked.map((u: { oktaLogin: string }) => u.oktaLogin)).toEqual(['barbara@acme.example']);
    expect(plan.unmanaged.map((u: { user: string }) => u.user)).toEqual(['consultant']);
    expect(plan).toMatchObject({ formatVersion: 1, errored: false, applyable: true });
  });

  it('--user scopes the plan to one person', async () => {
    const { stdout } = await runCli(['plan', '--config', ctx.config, '--json', '--user', 'kthompson'], { env: ctx.sandbox.env });
    expect(JSON.parse(stdout).changes.map((c: { user: string }) => c.user)).toEqual(['kthompson']);
  });
});

describe('hf-iam-sync apply', () => {
  it('asks, and applies only on "yes"', async () => {
    const declined = await runCli(['apply', '--config', ctx.config], { env: ctx.sandbox.env, answer: 'no' });
    expect(declined.stdout).toContain('Apply cancelled; nothing was changed.');
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('write');
    const accepted = await runCli(['apply', '--config', ctx.config], { env: ctx.sandbox.env, answer: 'yes' });
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('no_access');
    // A guard held root-admin back, so the run is not clean.
    expect(accepted.code).toBe(1);
    expect(accepted.stdout).toContain('Apply blocked: 5 applied, 0 failed, 1 blocked.');
  });

  it('shows progress on a terminal, off stdout, and nothing when piped', async () => {
    const onTerminal = await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env, terminal: true });
    expect(onTerminal.progress[0]).toBe('reading Okta and the Hub…');
    expect(onTerminal.progress).toContain('applying: 3/5 changes');
    expect(onTerminal.progress.at(-1)).toBe('');
    expect(onTerminal.stdout).not.toContain('applying:');
    const piped = await runCli(['plan', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(piped.progress).toEqual([]);
  });

  it('refuses to apply without a terminal unless --yes', async () => {
    const { code, stderr } = await runCli(['apply', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(code).toBe(2);
    expect(stderr).toContain('Pass --yes');
  });

  it('exits 0 when every change succeeded and nothing was blocked', async () => {
    await writeFile(ctx.config, ctx.sandbox.configText.replace('protectedUsers: [root-admin]', 'protectedUsers: []'));
    ctx.sandbox.okta.addToGroup(ctx.sandbox.okta.groupByName('hf-acme-admin').id, ctx.sandbox.okta.userByLogin('it-root@acme.example').id);
    const { code, stdout } = await runCli(['apply', '--config', ctx.config, '--yes', '--json'], { env: ctx.sandbox.env });
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'succeeded', result: { failed: [] } });
    expect(code).toBe(0);
  });

  it('keeps state in an embedded store under .hf-iam-sync/ when no DynamoDB is configured', async () => {
    const { DYNAMODB_ENDPOINT, STATE_TABLE, ...env } = ctx.sandbox.env;
    await runCli(['apply', '--config', ctx.config, '--yes'], { env, cwd: ctx.dir });
    const audit = await runCli(['audit', '--config', ctx.config, '--json'], { env, cwd: ctx.dir });
    expect(JSON.parse(audit.stdout)).toHaveLength(5);
  });
});

describe('hf-iam-sync compile', () => {
  it('writes the compiled configuration the Lambda functions read; a file with problems writes nothing and lists them, exit 2', async () => {
    const out = join(ctx.dir, 'build', 'config.json');
    const ok = await runCli(['compile', '--config', ctx.config, '--out', out], { env: {} });
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stderr).toContain(`${ctx.config} is valid; compiled to ${out}`);
    expect(readCompiledConfig(await readFile(out, 'utf8'), out).policy.organization).toBe('acme');

    await writeFile(ctx.config, ctx.sandbox.configText.replace('maxRemovals: 10', 'maxRemoval: 10'));
    const bad = await runCli(['compile', '--config', ctx.config, '--out', join(ctx.dir, 'bad.json')], { env: {} });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('safety: Unrecognized key: "maxRemoval"');
    await expect(stat(join(ctx.dir, 'bad.json'))).rejects.toThrow(/ENOENT/);
    expect((await runCli(['compile', '--config', ctx.config], { env: {} })).stderr).toContain('compile needs --out FILE.json');
  });
});

describe('errors a user can act on', () => {
  it('bad config: every problem at once, exit 2', async () => {
    await writeFile(ctx.config, ctx.sandbox.configText.replace('maxRemovals: 10', 'maxRemoval: 10').replace('role: admin', 'role: owner'));
    const { code, stderr } = await runCli(['plan', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid configuration:');
    expect(stderr).toContain('safety: Unrecognized key: "maxRemoval"');
    expect(stderr).toContain('rules[0].role: must be one of admin, write, contributor, read');
  });

  it('missing file and missing secrets name what to fix', async () => {
    expect((await runCli(['plan', '--config', join(ctx.dir, 'nope.yaml')], { env: ctx.sandbox.env })).stderr).toContain(
      'cannot read configuration file',
    );
    const { code, stderr } = await runCli(['plan', '--config', ctx.config], { env: {} });
    expect(code).toBe(2);
    expect(stderr).toMatch(/OKTA_API_TOKEN[\s\S]*HF_TOKEN/);
  });

  it('--deadline bounds the whole command: a hung Okta ends it in time with a message naming Okta; a bad value is a usage error', async () => {
    ctx.sandbox.okta.inject({ method: 'GET', path: /\/groups\/[^/]+\/users$/, status: 200, hang: true, times: 100 });
    const hung = await runCli(['plan', '--config', ctx.config, '--deadline', '2s'], { env: ctx.sandbox.env });
    expect(hung.code).toBe(1);
    expect(hung.stderr).toMatch(/Reading Okta users and group members failed, so nothing was changed: okta: /);
    const bad = await runCli(['plan', '--config', ctx.config, '--deadline', 'soon'], { env: ctx.sandbox.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--deadline must be a duration such as 90s, 10m or 1h, got "soon"');
  });

  it('--user that matches nobody says so and exits 1; STATE_TABLE without a region names the fix', async () => {
    const nobody = await runCli(['plan', '--config', ctx.config, '--user', 'nobdy@acme.example'], { env: ctx.sandbox.env });
    expect(nobody.code).toBe(1);
    expect(nobody.stdout).toContain(
      'Warning: nobody matched "nobdy@acme.example": no Okta user by that login, id or username attribute, and no Hub member by that name',
    );
    const { DYNAMODB_ENDPOINT, ...env } = ctx.sandbox.env;
    const noRegion = await runCli(['plan', '--config', ctx.config], { env: { ...env, STATE_TABLE: 'hf-iam-sync-prod' } });
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('STATE_TABLE=hf-iam-sync-prod names a DynamoDB table in AWS, but no region is set: set AWS_REGION');
  });

  it('a wrong Okta token: one clear message, no secret in it, exit 1', async () => {
    const env = { ...ctx.sandbox.env, OKTA_API_TOKEN: 'wrong-secret-value' };
    const { code, stderr } = await runCli(['plan', '--config', ctx.config], { env });
    expect(code).toBe(1);
    expect(stderr).toMatch(/okta: search groups failed \(HTTP 401\): Invalid token provided — check OKTA_API_TOKEN/);
    expect(stderr).not.toContain('wrong-secret-value');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a wrong Hub token: one clear message, no secret in it, exit 1', async () => {
    const env = { ...ctx.sandbox.env, HF_TOKEN: 'hf_wrong_secret_value' };
    const { code, stderr } = await runCli(['plan', '--config', ctx.config], { env });
    expect(code).toBe(1);
    expect(stderr).toMatch(/huggingface: list resource groups failed \(HTTP 401\): .*check HF_TOKEN/);
    expect(stderr).not.toContain('hf_wrong_secret_value');
  });

  it('unknown flags and commands are usage errors', async () => {
    expect((await runCli(['plan', '--confg', ctx.config])).code).toBe(2);
    expect((await runCli(['frobnicate'])).stderr).toContain('Unknown command "frobnicate"');
  });
});
