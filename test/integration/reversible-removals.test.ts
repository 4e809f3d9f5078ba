import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/**
 * A removal takes every resource group, including those no rule manages; it is recorded so that it
 * can be undone: automatically when the person is entitled again, or by hand with `restore`.
 */

const ctx = useCliSandbox();
type Change = { runId: string; seq: number; user: string; action: string; reasons: string[]; outcome: string };
const audit = async () =>
  JSON.parse((await runCli(['audit', '--config', ctx.config, '--json', '--user', 'grace-h'], { env: ctx.sandbox.env })).stdout) as Change[];

describe('reversible removals', () => {
  it('a person suspended by mistake and reactivated gets back the resource groups no rule manages, and the plan says so', async () => {
    const { okta, hub } = ctx.sandbox;
    const grace = okta.userByLogin('grace@acme.example');
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    expect(hub.memberResourceGroups('grace-h')).toEqual({ llm: 'write', vision: 'read' }); // vision: by hand, no rule
    okta.setStatus(grace.id, 'SUSPENDED'); // the mistake
    await runCli(['apply', '--config', ctx.config, '--yes', '--user', 'grace@acme.example'], { env: ctx.sandbox.env });
    expect(hub.member('grace-h')).toMatchObject({ role: 'no_access' });
    expect(hub.memberResourceGroups('grace-h')).toEqual({});

    okta.setStatus(grace.id, 'ACTIVE');
    const plan = JSON.parse(
      (await runCli(['plan', '--config', ctx.config, '--json', '--user', 'grace@acme.example'], { env: ctx.sandbox.env })).stdout,
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        user: 'grace-h',
        reasons: expect.arrayContaining([
          expect.stringMatching(/^restores resource group\(s\) vision \(read\) that no rule manages, taken away by run r-\S+ at /),
        ]),
      }),
    ]);
    await runCli(['apply', '--config', ctx.config, '--yes', '--user', 'grace@acme.example'], { env: ctx.sandbox.env });
    expect(hub.member('grace-h')?.role).toBe('write');
    expect(hub.memberResourceGroups('grace-h')).toEqual({ llm: 'write', vision: 'read' });
    // Restored once: the next plan has nothing left to give back.
    expect(
      JSON.parse((await runCli(['plan', '--config', ctx.config, '--json'], { env: ctx.sandbox.env })).stdout).changes.filter(
        (c: Change) => c.user === 'grace-h',
      ),
    ).toEqual([]);
  });

  it('restore --change RUN/SEQ puts a member back by hand, within the guards, on the record, and warns when the next run would undo it', async () => {
    const { okta, hub } = ctx.sandbox;
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    okta.setStatus(okta.userByLogin('grace@acme.example').id, 'SUSPENDED');
    await runCli(['apply', '--config', ctx.config, '--yes', '--user', 'grace@acme.example'], { env: ctx.sandbox.env });
    const removal = (await audit()).find((c) => c.action === 'remove' && c.outcome === 'applied')!;
    expect(
      (await runCli(['restore', '--config', ctx.config, '--change', `${removal.runId}/${removal.seq}`], { env: ctx.sandbox.env })).stderr,
    ).toContain('restore needs --reason');
    const restored = await runCli(
      ['restore', '--config', ctx.config, '--change', `${removal.runId}/${removal.seq}`, '--reason', 'suspended by mistake (ticket 4711)'],
      { env: { ...ctx.sandbox.env, HF_IAM_SYNC_ACTOR: 'oncall@acme.example' } },
    );
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('Restored grace-h: no_access → write with llm (write), vision (read).');
    // Okta still says suspended: the next reconcile would take it away again, and the command says so.
    expect(restored.stdout).toContain(
      'Warning: the next reconcile would set grace-h back to no_access (Okta does not entitle them to what is restored)',
    );
    expect(hub.memberResourceGroups('grace-h')).toEqual({ llm: 'write', vision: 'read' });
    expect((await audit())[0]).toMatchObject({
      action: 'set-role',
      outcome: 'applied',
      actor: 'oncall@acme.example',
      reasons: [expect.stringContaining('suspended by mistake (ticket 4711)')],
    });
    expect(
      (await runCli(['restore', '--config', ctx.config, '--change', 'r-nope/1', '--reason', 'x'], { env: ctx.sandbox.env })).stderr,
    ).toContain('No change r-nope/1 in the audit trail');
  });
});
