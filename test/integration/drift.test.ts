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
    expect(report.changes).toEqual([expect.objectContaining({ author: 'ada-acme', type: 'org.change_role', message: 'Changed role of mhamilton from write to admin' })]);
    const plan = JSON.parse((await runCli(['plan', '--config', ctx.config, '--json'], { env: ctx.sandbox.env })).stdout);
    expect(plan.changes.map((c: { user: string }) => c.user)).toContain('mhamilton');
  });

  it('prints who changed what in human form, and nothing when nothing changed', async () => {
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    expect((await runCli(['drift', '--config', ctx.config], { env: ctx.sandbox.env })).stdout).toContain('No membership changes on "acme" outside hf-iam-sync');
    ctx.sandbox.hub.changeRoleByHand('ada-acme', 'grace-h', 'admin');
    const { stdout } = await runCli(['drift', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(stdout).toMatch(/ada-acme +org\.change_role +Changed role of grace-h from write to admin/);
  });
});
