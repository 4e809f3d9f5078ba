import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';
import { reconcileJobMachine } from '../helpers/state-machine.js';
import { composeState } from '../../composition/compose.js';

/**
 * The reconcile state machine (state-machines/reconcile-job.yml) executed by aws-local-stepfunctions,
 * its three Tasks bound to the real reconcile-job handler, against the sandbox: a Hub that enforces
 * a scaled-down rate limit, and invocations with a short timeout (so one run takes many batches).
 */

type Handler = (event: unknown, context: Context) => Promise<any>;
const context = (remainingMs: number): Context => {
  const started = Date.now();
  return { functionName: 'hf-iam-sync-test-reconcile-job', awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => remainingMs - (Date.now() - started) } as unknown as Context;
};

/** `upgrades` people to raise from read to write, `leavers` deprovisioned people who still have write. */
function seedOrg(env: LambdaEnv, upgrades: number, leavers: number): void {
  const { okta, hub } = env.sandbox;
  const write = okta.groupByName('hf-acme-write').id;
  for (let i = 0; i < upgrades; i += 1) {
    const user = okta.addUser({ login: `up${i}@acme.example`, status: 'ACTIVE', profile: { hfUsername: `up${i}` } });
    okta.addToGroup(write, user.id);
    hub.addMember(`up${i}`, 'read');
  }
  for (let i = 0; i < leavers; i += 1) {
    const user = okta.addUser({ login: `gone${i}@acme.example`, status: 'DEPROVISIONED', profile: { hfUsername: `gone${i}` } });
    okta.addToGroup(write, user.id);
    hub.addMember(`gone${i}`, 'write');
  }
}

const rolePuts = (env: LambdaEnv) => env.sandbox.hub.calls.filter((c) => c.method === 'PUT' && /\/members\/[^/]+\/role$/.test(c.path) && c.status === 200);
const userOf = (path: string) => /\/members\/([^/]+)\/role$/.exec(path)![1]!;

let env: LambdaEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('the reconcile state machine', () => {
  it('converges 20,000 changes in one execution: leavers first, zero 429s, every change written once, many short batches', async () => {
    env = await startLambdaEnv({ configure: (t) => t.replace('maxRemovals: 10', 'maxRemovals: 500') });
    seedOrg(env, 20_000, 150);
    // 1,200 calls per 2 s: less than this machine can write, so the batches wait for the window.
    env.sandbox.hub.quota = 1_200;
    env.sandbox.hub.windowSeconds = 2;
    const handler = await env.load<Handler>('reconcile-job');
    const steps: Array<{ step: string; answer: any }> = [];
    const bound = (remainingMs: number) => async (input: any) => {
      const answer = await handler(input, context(remainingMs));
      steps.push({ step: input.step, answer });
      return answer;
    };
    const machine = await reconcileJobMachine();
    const execution = machine.run({ actor: 'alice' }, {
      // The plan reads and stores 20,000 people; each batch has 8 s (3 s once the middleware keeps its 5 s margin).
      overrides: { taskResourceLocalHandlers: { Plan: bound(120_000), ApplyBatch: bound(8_000), Finish: bound(30_000) } },
      context: { Execution: { Name: 'exec-20k', Input: { actor: 'alice' } } },
    });
    const output = (await execution.result) as any;

    expect(output.result).toMatchObject({ outcome: 'succeeded', ok: true, counts: { applied: 20_150, failed: 0, held: 0, superseded: 0 } });
    const batches = steps.filter((s) => s.step === 'apply');
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.some((b) => b.answer.stoppedBy === 'deadline')).toBe(true);
    expect(batches.some((b) => b.answer.stoppedBy === 'rate-limit' && b.answer.waitSeconds > 0)).toBe(true);
    // Paced, not punished.
    expect(env.sandbox.hub.calls.filter((c) => c.status === 429)).toHaveLength(0);
    // Converged, each change written exactly once.
    const puts = rolePuts(env);
    expect(puts).toHaveLength(20_150);
    expect(new Set(puts.map((p) => userOf(p.path))).size).toBe(20_150);
    expect(env.sandbox.hub.member('up19999')?.role).toBe('write');
    expect(env.sandbox.hub.member('gone149')?.role).toBe('no_access');
    // Leavers first: every removal landed before the first grant.
    const lastLeaver = puts.findLastIndex((p) => userOf(p.path).startsWith('gone'));
    const firstGrant = puts.findIndex((p) => userOf(p.path).startsWith('up'));
    expect(lastLeaver).toBeLessThan(firstGrant);
    // The run is recorded, its lease is free.
    const { state, close } = await composeState({ kind: 'dynamodb', location: { table: 'hf-iam-sync', endpoint: env.sandbox.dynamoEndpoint } });
    try {
      const runId = steps[0]!.answer.runId as string;
      expect(await state.getRun(runId)).toMatchObject({ outcome: 'succeeded', applied: 20_150, failed: 0, actor: 'alice' });
      await state.acquireLease('acme', 'next-run', 1_000, new Date());
    } finally {
      await close();
    }
  }, 300_000);
});
