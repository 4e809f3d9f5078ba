import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** `apply --allow-removals N --reason "…"`: a one-run lift of safety.maxRemovals, said in the plan and kept in the audit trail. */

const ctx = useCliSandbox();

describe('a one-run guard override', () => {
  it('lifts maxRemovals for that run only, with who, how many and why in the audit trail', async () => {
    // The sample company removes three people; a limit of 1 holds them all.
    await writeFile(ctx.config, ctx.sandbox.configText.replace('maxRemovals: 10', 'maxRemovals: 1'));
    const env = { ...ctx.sandbox.env, USER: 'alice' };
    const held = await runCli(['apply', '--config', ctx.config, '--yes'], { env, cwd: ctx.dir });
    expect(held.stdout).toMatch(/exceed safety\.maxRemovals \(1\)/);
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('write');

    const preview = await runCli(['plan', '--config', ctx.config, '--allow-removals', '5', '--reason', 'offboarding wave INC-42'], {
      env,
      cwd: ctx.dir,
    });
    expect(preview.stdout).toContain('safety.maxRemovals is lifted from 1 to 5 for this run only');
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('write'); // a plan writes nothing

    const lifted = await runCli(
      ['apply', '--config', ctx.config, '--yes', '--allow-removals', '5', '--reason', 'offboarding wave INC-42'],
      { env, cwd: ctx.dir },
    );
    expect(lifted.stdout).toContain('safety.maxRemovals is lifted from 1 to 5 for this run only');
    expect(['linus-t', 'kthompson', 'alan-t'].map((u) => ctx.sandbox.hub.member(u)?.role)).toEqual(['no_access', 'no_access', 'no_access']);
    const trail = JSON.parse(
      (await runCli(['audit', '--config', ctx.config, '--json', '--limit', '100'], { env, cwd: ctx.dir })).stdout,
    ) as Array<{ action: string; actor: string; reasons: string[]; runId: string }>;
    const override = trail.filter((c) => c.action === 'allow-removals');
    expect(override).toEqual([
      expect.objectContaining({
        actor: expect.stringContaining('alice'),
        reasons: ['safety.maxRemovals lifted from 1 to 5 for this run only: offboarding wave INC-42'],
      }),
    ]);
    expect(trail.filter((c) => c.action === 'remove' && c.runId === override[0]!.runId)).toHaveLength(3);

    // The next run is back under the configured limit.
    ctx.sandbox.hub.member('linus-t')!.role = 'write';
    ctx.sandbox.hub.member('kthompson')!.role = 'read';
    const after = await runCli(['plan', '--config', ctx.config], { env, cwd: ctx.dir });
    expect(after.stdout).toMatch(/exceed safety\.maxRemovals \(1\)/);
  });

  it('more removals than allowed are still held, and an override without a reason or a number is refused', async () => {
    await writeFile(ctx.config, ctx.sandbox.configText.replace('maxRemovals: 10', 'maxRemovals: 1'));
    const still = await runCli(['apply', '--config', ctx.config, '--yes', '--allow-removals', '2', '--reason', 'not enough'], {
      env: ctx.sandbox.env,
      cwd: ctx.dir,
    });
    expect(still.stdout).toMatch(/exceed safety\.maxRemovals \(2\)/);
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('write');
    const noReason = await runCli(['apply', '--config', ctx.config, '--yes', '--allow-removals', '5'], {
      env: ctx.sandbox.env,
      cwd: ctx.dir,
    });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--allow-removals needs --reason "…"');
    const notANumber = await runCli(['apply', '--config', ctx.config, '--yes', '--allow-removals', 'lots', '--reason', 'x'], {
      env: ctx.sandbox.env,
      cwd: ctx.dir,
    });
    expect(notANumber.code).toBe(2);
    expect(notANumber.stderr).toContain('--allow-removals must be a whole number of removals or demotions, got "lots"');
    expect(ctx.sandbox.hub.member('linus-t')?.role).toBe('write');
  });
});
