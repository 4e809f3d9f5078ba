import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { addLinkedPeople, useCliSandbox } from '../helpers/cli-sandbox.js';

/** `apply` stops at its deadline at a checkpoint; `apply --resume RUN` continues from there, each change once. */

const ctx = useCliSandbox();

describe('apply --resume', () => {
  it('continues a run its deadline stopped, writing each remaining change once, and refuses to resume it twice', async () => {
    addLinkedPeople(ctx.sandbox, 60, 'hf-acme-write');
    // Each Hub call 200 ms: the 60 writes take ~15 s, so a 6 s deadline stops the run part-way, with
    // room for the process to start and read first even on a loaded machine.
    ctx.sandbox.hub.latencyMs = 200;
    const stopped = await runCli(['apply', '--config', ctx.config, '--yes', '--deadline', '6s'], { env: ctx.sandbox.env, cwd: ctx.dir });
    expect(stopped.code).toBe(1);
    const runId = /--resume (r-\S+)/.exec(stopped.stdout)?.[1];
    expect(stopped.stdout).toMatch(/^Apply stopped: /m);
    expect(runId).toBeDefined();
    const putsBefore = ctx.sandbox.hub.calls.filter((c) => c.method === 'PUT' && c.status === 200).length;
    expect(putsBefore).toBeGreaterThan(0);

    ctx.sandbox.hub.latencyMs = 0;
    const refused = await runCli(['apply', '--config', ctx.config, '--resume', runId!], { env: ctx.sandbox.env, cwd: ctx.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Refusing to resume without confirmation');

    const resumed = await runCli(['apply', '--config', ctx.config, '--resume', runId!, '--yes'], { env: ctx.sandbox.env, cwd: ctx.dir });
    expect(resumed.stdout).toMatch(new RegExp(`^Run ${runId} \\(cli, by .+\\): \\d+ of \\d+ changes settled .*it ended stopped`, 'm'));
    expect(resumed.stdout).toMatch(new RegExp(`Run ${runId} blocked: (\\d+) of \\1 changes settled`));
    // Each person written once over both invocations.
    const puts = ctx.sandbox.hub.calls.filter((c) => c.method === 'PUT' && c.status === 200 && /\/members\/p\d+\/role$/.test(c.path));
    expect(puts).toHaveLength(60);
    expect(new Set(puts.map((c) => c.path)).size).toBe(60);

    const again = await runCli(['apply', '--config', ctx.config, '--resume', runId!, '--yes'], { env: ctx.sandbox.env, cwd: ctx.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Run ${runId} is finished`);
  });
});
