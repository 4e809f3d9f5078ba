import { appendFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerStandIn } from '../../sandbox/aws/secrets-manager-stand-in.js';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** `hf-iam-sync rotate` against the Hub and Secrets Manager stand-ins, state in the sandbox's DynamoDB. */

const ctx = useCliSandbox();
let secrets: SecretsManagerStandIn;
let env: Record<string, string>;

beforeEach(async () => {
  secrets = new SecretsManagerStandIn();
  await secrets.start();
  env = { ...ctx.sandbox.env, SECRETS_MANAGER_ENDPOINT: secrets.baseUrl, AWS_REGION: 'us-east-1' };
  ctx.sandbox.hub.addServiceAccount('ci-bot');
});
afterEach(async () => {
  await secrets.stop();
});

const addCredential = () =>
  appendFile(ctx.config, 'credentials:\n  - { name: ci, serviceAccount: ci-bot, permissions: [repo.write], secret: hf-iam-sync/dev/ci }\n');

describe('hf-iam-sync rotate', () => {
  it('dry-runs, rotates, reports up to date, and rotates one credential on demand — never printing a token', async () => {
    await addCredential();
    const dry = await runCli(['rotate', '--config', ctx.config, '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('nothing is written');
    expect(dry.stdout).toMatch(/ci\s+would rotate: no current version yet: first rotation/);
    expect(dry.stdout).toContain('Overdue (not rotated within their period): ci');
    expect(secrets.secrets.size).toBe(0);

    const first = await runCli(['rotate', '--config', ctx.config], { env });
    expect(first.code).toBe(0);
    const token = secrets.valueAt('hf-iam-sync/dev/ci')!;
    expect(first.stdout).toMatch(new RegExp(`ci\\s+rotated: no current version yet: first rotation; now …${token.slice(-4)}`));
    expect(first.stdout).toMatch(/consumers read …\S{4} \(sha256:[0-9a-f]{12}…\), promoted 0s ago/);
    expect(first.stdout).toContain('Overdue: none');
    expect(first.stdout).toContain('Orphan tokens: none');

    expect((await runCli(['rotate', '--config', ctx.config], { env })).stdout).toMatch(
      /ci\s+up to date: current token …\S{4} is 0s old; next rotation in 6d 23h/,
    );
    const forced = await runCli(['rotate', '--config', ctx.config, '--credential', 'ci', '--json'], { env });
    const report = JSON.parse(forced.stdout) as { results: Array<{ outcome: string; detail: string }> };
    expect(report.results[0]).toMatchObject({
      outcome: 'rotated',
      detail: expect.stringContaining('rotation requested for this credential'),
    });
    for (const out of [dry, first, forced]) {
      for (const value of ctx.sandbox.hub.issuedTokenValues) expect(out.stdout + out.stderr).not.toContain(value);
    }
  });

  it("keeps each credential's rotation trail for `audit --credential`, as a table or CSV", async () => {
    await addCredential();
    await runCli(['rotate', '--config', ctx.config], { env });
    ctx.sandbox.hub.inject({ method: 'GET', path: /whoami-v2$/, status: 503, times: 20 });
    await runCli(['rotate', '--config', ctx.config, '--credential', 'ci'], { env });
    const table = await runCli(['audit', '--config', ctx.config, '--credential', 'ci'], { env });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^time\s+step\s+outcome\s+token\s+rotation\s+run\s+error$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1, 3).join(' '))).toEqual([
      'verify failed',
      'create done',
      'promote done',
      'verify done',
      'create done',
    ]);
    expect(lines[1]).toContain('verify: huggingface: whoami with the new token failed (HTTP 503)');
    const csv = await runCli(['audit', '--config', ctx.config, '--credential', 'ci', '--format', 'csv', '--limit', '2'], { env });
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).toBe('time,credential,rotation_id,step,outcome,token_id,last4,run_id,error');
    expect(rows).toHaveLength(3);
    for (const value of ctx.sandbox.hub.issuedTokenValues) expect(table.stdout + csv.stdout).not.toContain(value);
    expect((await runCli(['audit', '--config', ctx.config, '--credential', 'ci', '--user', 'x'], { env })).stderr).toContain(
      '--credential shows a rotation trail',
    );
  });

  it('exits 1 and says where a rotation stopped when a step fails', async () => {
    await addCredential();
    ctx.sandbox.hub.inject({ method: 'GET', path: /whoami-v2$/, status: 503, times: 20 });
    const run = await runCli(['rotate', '--config', ctx.config], { env });
    expect(run.code).toBe(1);
    // A secret's first token is verified before it is stored (AWS would make it current at once), so a failed verify starts again at
    // create.
    expect(run.stdout).toMatch(
      /ci\s+FAILED at verify: step verify failed \(attempt 1; the next run resumes at "create"\): huggingface: whoami with the new token failed \(HTTP 503\)/,
    );
    expect(run.stdout).toContain('Overdue (not rotated within their period): ci');
  });

  it('dry-runs like a plan that refuses a missing reference: exit 1, and the service accounts that do exist', async () => {
    await appendFile(
      ctx.config,
      'credentials:\n  - { name: ci, serviceAccount: ci-robot, permissions: [repo.write], secret: hf-iam-sync/dev/ci }\n',
    );
    const dry = await runCli(['rotate', '--config', ctx.config, '--dry-run'], { env });
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(
      /^\s+PROBLEM: credentials "ci": serviceAccount "ci-robot" is not a service account of the organization \(have: ci-bot\); create it under Settings → Service accounts, or fix the name$/m,
    );
  });

  it('exits 2 with the fix for an unknown credential or none configured', async () => {
    const none = await runCli(['rotate', '--config', ctx.config], { env });
    expect(none).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('credentials: none configured; add one (see "Token rotation" in the README)'),
    });
    await addCredential();
    const unknown = await runCli(['rotate', '--config', ctx.config, '--credential', 'cj'], { env });
    expect(unknown).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('No credential named "cj" in the configuration (configured: ci)'),
    });
  });
});
