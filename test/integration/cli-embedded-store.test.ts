import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/**
 * The embedded store (dynalite on LevelDB under .hf-iam-sync/) is one process's at a time: a second
 * CLI process is told which process holds it and what to do; a holder that was killed (SIGKILL)
 * leaves nothing that blocks the next run.
 */

const ctx = useCliSandbox();
const BIN = join(import.meta.dirname, '../../dist/cli/hf-iam-sync.mjs');

function startApply(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'apply', '--config', ctx.config, '--yes'], {
    cwd: ctx.dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** The sample company with nothing a guard holds back, so a clean apply exits 0. */
async function cleanCompany() {
  await writeFile(ctx.config, ctx.sandbox.configText.replace('protectedUsers: [root-admin]', 'protectedUsers: []'));
  ctx.sandbox.okta.addToGroup(ctx.sandbox.okta.groupByName('hf-acme-admin').id, ctx.sandbox.okta.userByLogin('it-root@acme.example').id);
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 600 && !check(); i += 1) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('the embedded store with two CLI processes', () => {
  it('the second is told which process has the store and what to do; after the first ends, it runs', async () => {
    const { DYNAMODB_ENDPOINT, STATE_TABLE, ...env } = ctx.sandbox.env;
    await cleanCompany();
    ctx.sandbox.hub.latencyMs = 400; // the first apply holds the store for a few seconds
    const owner = join(ctx.dir, '.hf-iam-sync', 'dynamodb', 'OWNER.json');
    const first = startApply(env);
    await until(() => existsSync(owner), 'the first process to open the store');
    const second = await runCli(['plan', '--config', ctx.config], { env, cwd: ctx.dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is in use by process ${first.child.pid} (hf-iam-sync apply --config ${ctx.config} --yes, started `);
    expect(second.stderr).toContain('Wait for it to finish');
    expect(second.stderr).not.toMatch(/Database is closed|\n\s+at /);
    expect(await first.exited).toBe(0);
    ctx.sandbox.hub.latencyMs = 0;
    expect(existsSync(owner)).toBe(false);
    const after = await runCli(['plan', '--config', ctx.config, '--json'], { env, cwd: ctx.dir });
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).changes).toEqual([]);
  });

  it('a holder killed with SIGKILL leaves an owner file that the next run takes over; its lease lasts one heartbeat, or an operator breaks it', async () => {
    const { DYNAMODB_ENDPOINT, STATE_TABLE, ...env } = ctx.sandbox.env;
    await cleanCompany();
    ctx.sandbox.hub.latencyMs = 400;
    const owner = join(ctx.dir, '.hf-iam-sync', 'dynamodb', 'OWNER.json');
    const first = startApply(env);
    // Killed mid-run: once it is reading the Hub (its table exists; see the closing note on a kill during CreateTable).
    await until(() => ctx.sandbox.hub.calls.length > 0, 'the first process to call the Hub');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(JSON.parse(await readFile(owner, 'utf8'))).toMatchObject({ pid: first.child.pid });
    ctx.sandbox.hub.latencyMs = 0;
    const next = await runCli(['apply', '--config', ctx.config, '--yes', '--json'], { env, cwd: ctx.dir });
    // The store was taken over; the dead run's org lease is what still stands — for one heartbeat, not 15 minutes.
    expect(next.stderr).not.toContain('in use by process');
    const [, deadRun, heldUntil] = /Another run \((\S+)\) holds the reconcile lease for "acme" until (\S+);/.exec(next.stderr) ?? [];
    expect(heldUntil).toBeDefined();
    expect(Date.parse(heldUntil!) - Date.now()).toBeLessThanOrEqual(60_000);
    expect(next.code).toBe(1);
    expect(next.stderr).toContain(`hf-iam-sync unlock --run ${deadRun}`);

    // An operator who knows that run is gone breaks its lease, on the record, and the next run goes at once.
    const wrong = await runCli(['unlock', '--config', ctx.config, '--run', 'r-not-the-holder', '--reason', 'test'], { env, cwd: ctx.dir });
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining(`is held by run ${deadRun}`) });
    expect((await runCli(['unlock', '--config', ctx.config, '--run', deadRun!], { env, cwd: ctx.dir })).stderr).toContain(
      'unlock needs --reason',
    );
    const unlocked = await runCli(
      ['unlock', '--config', ctx.config, '--run', deadRun!, '--reason', 'apply was killed (SIGKILL) in a test'],
      { env: { ...env, HF_IAM_SYNC_ACTOR: 'oncall@acme.example' }, cwd: ctx.dir },
    );
    expect(unlocked).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`Broke the reconcile lease for "acme" held by run ${deadRun}`),
    });
    const after = await runCli(['apply', '--config', ctx.config, '--yes', '--json'], { env, cwd: ctx.dir });
    expect(after.code).toBe(0);
    const trail = JSON.parse((await runCli(['audit', '--config', ctx.config, '--json'], { env, cwd: ctx.dir })).stdout) as Array<{
      action: string;
      actor: string;
      reasons: string[];
    }>;
    expect(trail).toContainEqual(
      expect.objectContaining({
        action: 'break-lease',
        actor: 'oncall@acme.example',
        reasons: [expect.stringContaining('apply was killed (SIGKILL) in a test')],
      }),
    );
  });
});
