import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** `hf-iam-sync drift`: out-of-band changes from the Hub's audit log, against the sandbox. */

const ctx = useCliSandbox();

describe('hf-iam-sync drift', () => {
  it('finds a role changed directly on the Hub after the last run, says who did it, and leaves out our own changes', async () => {
    ctx.sandbox.hub.changeRoleByHand('ada-acme', 'kthompson', 'write'); // before the run: not reported
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    expect(ctx.sandbox.hub.auditLog.filter((e) => (e.author as { user: string }).user === 'root-admin').length).toBeGreaterThan(0);
    ctx.sandbox.hub.changeRoleByHand('ada-acme', 'mhamilton', 'admin');
    const { code, stdout } = await runCli(['drift', '--config', ctx.config, '--json'], { env: ctx.sandbox.env });
    const report = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(report).toMatchObject({ organization: 'acme', ourUser: 'root-admin', sinceRun: expect.stringMatching(/^r-/) });
    expect(report.changes).toEqual([
      expect.objectContaining({ author: 'ada-acme', type: 'org.change_role', message: 'Changed role of mhamilton from write to admin' }),
    ]);
    const plan = JSON.parse((await runCli(['plan', '--config', ctx.config, '--json'], { env: ctx.sandbox.env })).stdout);
    expect(plan.changes.map((c: { user: string }) => c.user)).toContain('mhamilton');
  });

  it('asks the Hub for membership types only (q=type:…), and sees people who joined or left by themselves', async () => {
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    const { hub } = ctx.sandbox;
    for (let i = 0; i < 50; i += 1) hub.audit('repo.create', 'ada-acme', `Created repo acme/model-${i}`, { repo: `acme/model-${i}` });
    hub.audit('org.leave', 'consultant', 'consultant left the organization', { user: 'consultant' });
    hub.audit('org.sso_join', 'newcomer', 'newcomer joined through SSO', { user: 'newcomer' });
    hub.audit('org.join.from_domain', 'intern', 'intern joined from the verified domain', { user: 'intern' });
    hub.audit('org.invite.accept', 'dritchie', 'dritchie accepted the invitation', { user: 'dritchie' });
    const exports = () => hub.calls.filter((c) => c.path.endsWith('/audit-log/export'));
    const before = exports().length;
    const { stdout } = await runCli(['drift', '--config', ctx.config, '--json'], { env: ctx.sandbox.env });
    const report = JSON.parse(stdout) as { changes: Array<{ type: string; author: string }> };
    expect(report.changes.map((c) => c.type).sort()).toEqual(['org.invite.accept', 'org.join.from_domain', 'org.leave', 'org.sso_join']);
    const calls = exports().slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(hub.exportQueries.slice(-calls.length).every((q) => /^type:(org|resource_group)\./.test(q))).toBe(true);
  });

  it('prints who changed what in human form, and nothing when nothing changed', async () => {
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    expect((await runCli(['drift', '--config', ctx.config], { env: ctx.sandbox.env })).stdout).toContain(
      'No membership changes on "acme" outside hf-iam-sync',
    );
    ctx.sandbox.hub.changeRoleByHand('ada-acme', 'grace-h', 'admin');
    const { stdout } = await runCli(['drift', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(stdout).toMatch(/ada-acme +org\.change_role +Changed role of grace-h from write to admin/);
  });
});
