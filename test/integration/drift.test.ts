import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { runCli } from '../helpers/cli.js';

/** `hf-iam-sync drift`: out-of-band changes from the Hub's audit log, against the sandbox. */

let sandbox: Sandbox;
let dir: string;
let config: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-drift-'));
  config = join(dir, 'config.yaml');
  await writeFile(config, sandbox.configText);
});
afterEach(async () => {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('hf-iam-sync drift', () => {
  it('finds a role changed directly on the Hub after the last run, says who did it, and leaves out our own changes', async () => {
    sandbox.hub.changeRoleByHand('ada-acme', 'kthompson', 'write'); // before the run: not reported
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runCli(['apply', '--config', config, '--yes'], { env: sandbox.env });
    expect(sandbox.hub.auditLog.filter((e) => (e.author as { user: string }).user === 'root-admin').length).toBeGreaterThan(0);
    sandbox.hub.changeRoleByHand('ada-acme', 'mhamilton', 'admin');
    const { code, stdout } = await runCli(['drift', '--config', config, '--json'], { env: sandbox.env });
    const report = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(report).toMatchObject({ organization: 'acme', ourUser: 'root-admin', sinceRun: expect.stringMatching(/^r-/) });
    expect(report.changes).toEqual([expect.objectContaining({ author: 'ada-acme', type: 'org.change_role', message: 'Changed role of mhamilton from write to admin' })]);
    const plan = JSON.parse((await runCli(['plan', '--config', config, '--json'], { env: sandbox.env })).stdout);
    expect(plan.changes.map((c: { user: string }) => c.user)).toContain('mhamilton');
  });

  it('prints who changed what in human form, and nothing when nothing changed', async () => {
    await runCli(['apply', '--config', config, '--yes'], { env: sandbox.env });
    expect((await runCli(['drift', '--config', config], { env: sandbox.env })).stdout).toContain('No membership changes on "acme" outside hf-iam-sync');
    sandbox.hub.changeRoleByHand('ada-acme', 'grace-h', 'admin');
    const { stdout } = await runCli(['drift', '--config', config], { env: sandbox.env });
    expect(stdout).toMatch(/ada-acme +org\.change_role +Changed role of grace-h from write to admin/);
  });
});
