import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';
import { reconcileJobMachine } from '../../sandbox/step-functions.js';
import { StepFunctionsStandIn } from '../../sandbox/aws/stepfunctions-stand-in.js';
import { composeState } from '../../composition/compose.js';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../../sandbox/dynamodb-local.js';

/**
 * The reconcile state machine (state-machines/reconcile-job.yml) executed by aws-local-stepfunctions,
 * its three Tasks bound to the real reconcile-job handler, against the sandbox: a Hub that enforces
 * a scaled-down rate limit, and invocations with a short timeout (so one run takes many batches).
 */

type Handler = (event: unknown, context: Context) => Promise<any>;
const context = (remainingMs: number): Context => {
  const started = Date.now();
  return {
    functionName: 'hf-iam-sync-test-reconcile-job',
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => remainingMs - (Date.now() - started),
  } as unknown as Context;
};

type Step = { step: string; answer: any };
/** A Task bound to the handler, invoked with `remainingMs` left; each step's answer kept in `steps`. */
const boundTo =
  (handler: Handler, steps: Step[] = []) =>
  (remainingMs: number) =>
  async (input: any) => {
    const answer = await handler(input, context(remainingMs));
    steps.push({ step: input.step, answer });
    return answer;
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

const rolePuts = (env: LambdaEnv) =>
  env.sandbox.hub.calls.filter((c) => c.method === 'PUT' && /\/members\/[^/]+\/role$/.test(c.path) && c.status === 200);
const userOf = (path: string) => /\/members\/([^/]+)\/role$/.exec(path)![1]!;

let env: LambdaEnv | undefined;
let local: { endpoint: string; stop: () => Promise<void> } | undefined;
afterEach(async () => {
  await env?.stop();
  await local?.stop();
  env = undefined;
  local = undefined;
});

describe('the reconcile state machine', () => {
  it('converges 8,000 changes in one execution: leavers first, zero 429s, every change written once, many short batches', async () => {
    // DynamoDB Local (a service of its own, on the other core) when this machine has Java; dynalite otherwise.
    local = dynamoDbLocalUnavailable() === null ? await startDynamoDbLocal() : undefined;
    env = await startLambdaEnv({
      configure: (t) => t.replace('maxRemovals: 10', 'maxRemovals: 500'),
      ...(local ? { dynamo: { endpoint: local.endpoint } } : {}),
    });
    seedOrg(env, 8_000, 150);
    // A limit scaled down from 5 minutes to 2 s (the next test has one that binds).
    env.sandbox.hub.quota = 1_200;
    env.sandbox.hub.windowSeconds = 2;
    const handler = await env.load<Handler>('reconcile-job');
    const steps: Step[] = [];
    const bound = boundTo(handler, steps);
    const machine = await reconcileJobMachine();
    const execution = machine.run(
      { actor: 'alice' },
      {
        // The plan reads and stores 8,000 people; each batch has 10 s (5 s once the middleware keeps its 5 s margin).
        overrides: { taskResourceLocalHandlers: { Plan: bound(120_000), ApplyBatch: bound(10_000), Finish: bound(30_000) } },
        context: { Execution: { Name: 'exec-8k', Input: { actor: 'alice' } } },
      },
    );
    const output = (await execution.result) as any;

    // The sample company's own people are in the run too (one of its changes is held by a guard: `blocked`).
    expect(output.result).toMatchObject({ outcome: 'blocked', ok: true, counts: { failed: 0, held: 0, superseded: 0 } });
    expect(output.result.counts.applied).toBeGreaterThanOrEqual(8_150);
    const batches = steps.filter((s) => s.step === 'apply');
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.slice(0, -1).every((b) => b.answer.stoppedBy === 'deadline' && !b.answer.done)).toBe(true);
    // Paced, not punished.
    expect(env.sandbox.hub.calls.filter((c) => c.status === 429)).toHaveLength(0);
    // Converged, each change written exactly once.
    const puts = rolePuts(env).filter((p) => /^(up|gone)\d+$/.test(userOf(p.path)));
    expect(puts).toHaveLength(8_150);
    expect(new Set(puts.map((p) => userOf(p.path))).size).toBe(8_150);
    expect(env.sandbox.hub.member('up7999')?.role).toBe('write');
    expect(env.sandbox.hub.member('gone149')?.role).toBe('no_access');
    // Leavers first: every removal landed before the first grant.
    const lastLeaver = puts.findLastIndex((p) => userOf(p.path).startsWith('gone'));
    const firstGrant = puts.findIndex((p) => userOf(p.path).startsWith('up'));
    expect(lastLeaver).toBeLessThan(firstGrant);
    // The run is recorded, its lease is free.
    const { state, close } = await composeState({
      kind: 'dynamodb',
      location: { table: 'hf-iam-sync', endpoint: env.sandbox.dynamoEndpoint },
    });
    try {
      const runId = steps[0]!.answer.runId as string;
      expect(await state.getRun(runId)).toMatchObject({
        outcome: 'blocked',
        applied: output.result.counts.applied,
        failed: 0,
        actor: 'alice',
        trigger: 'invoke',
      });
      await state.acquireLease('acme', 'next-run', 1_000, new Date());
    } finally {
      await close();
    }
  }, 300_000);

  it('a batch killed mid-way (the OS process) is retried from its checkpoint: nothing lost, nothing written twice; a spent window is waited out by the machine, never a 429', async () => {
    env = await startLambdaEnv({ configure: (t) => t.replace('maxRemovals: 10', 'maxRemovals: 100') });
    seedOrg(env, 400, 30);
    // The window binds: 250 calls per 15 s, so the run (about 465 calls) spends one window and waits for the next
    // however slow this machine is (it needs 17 calls a second to spend it).
    env.sandbox.hub.quota = 250;
    env.sandbox.hub.windowSeconds = 15;
    const handler = await env.load<Handler>('reconcile-job');
    const steps: Step[] = [];
    const inProcess = boundTo(handler, steps);
    const { state, close } = await composeState({
      kind: 'dynamodb',
      location: { table: 'hf-iam-sync', endpoint: env.sandbox.dynamoEndpoint },
    });
    let startedAtKill: number[] | undefined;
    let runId = '';
    const killedOnce = async (input: any) => {
      if (startedAtKill) return inProcess(10_000)(input);
      // The first batch runs in a process of its own, killed with SIGKILL once it has written 60 people.
      const before = rolePuts(env!).length;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../helpers/lambda-process.ts'), 'reconcile-job', JSON.stringify(input)],
        {
          env: { ...process.env, REMAINING_MS: '10000' },
          stdio: 'ignore',
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      while (rolePuts(env!).length < before + 60 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await exited;
      startedAtKill = (await state.listRunChanges(runId, 1, 100_000)).filter((r) => r.outcome === 'started').map((r) => r.seq);
      const error = new Error('Process exited before completing request');
      error.name = 'Lambda.Unknown';
      throw error;
    };
    try {
      const machine = await reconcileJobMachine();
      const execution = machine.run(
        { actor: 'bob' },
        {
          overrides: {
            taskResourceLocalHandlers: {
              Plan: async (input: any) => {
                const answer = await inProcess(60_000)(input);
                runId = answer.runId;
                return answer;
              },
              ApplyBatch: killedOnce,
              Finish: inProcess(30_000),
            },
            retryIntervalOverrides: { ApplyBatch: 0 },
          },
          context: { Execution: { Name: 'exec-killed', Input: { actor: 'bob' } } },
        },
      );
      const output = (await execution.result) as any;

      expect(startedAtKill).toBeDefined();
      expect(output.result).toMatchObject({ ok: true, counts: { failed: 0, held: 0, superseded: 0 } });
      // Every person written exactly once: the killed batch's writes were not repeated, the rest were done.
      const puts = rolePuts(env).filter((p) => /^(up|gone)\d+$/.test(userOf(p.path)));
      expect(puts).toHaveLength(430);
      expect(new Set(puts.map((p) => userOf(p.path))).size).toBe(430);
      expect(env.sandbox.hub.member('up399')?.role).toBe('write');
      expect(env.sandbox.hub.member('gone29')?.role).toBe('no_access');
      // What the kill left `started` is recorded applied now; a write the Hub had done was not sent again.
      const records = new Map((await state.listRunChanges(runId, 1, 100_000)).map((r) => [r.seq, r]));
      for (const seq of startedAtKill!) expect(records.get(seq)?.outcome).toBe('applied');
      expect([...records.values()].every((r) => r.outcome === 'applied' || r.action === 'allow-removals' || r.user === 'ada-acme')).toBe(
        true,
      );
      // The window was spent and waited out by the machine (a Wait state), not by a 429.
      expect(steps.some((s) => s.step === 'apply' && s.answer.stoppedBy === 'rate-limit' && s.answer.waitSeconds > 0)).toBe(true);
      expect(env.sandbox.hub.calls.filter((c) => c.status === 429)).toHaveLength(0);
    } finally {
      await close();
    }
  }, 180_000);

  it('a manual {"dryRun": false} to the reconcile function starts the state machine (through @aws-sdk/client-sfn), which applies the run', async () => {
    env = await startLambdaEnv();
    const sfn = new StepFunctionsStandIn();
    await sfn.start();
    try {
      const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:hf-iam-sync-test-reconcile';
      const job = await env.load<Handler>('reconcile-job');
      const machine = await reconcileJobMachine();
      const bound = boundTo(job);
      sfn.addStateMachine(
        arn,
        (input, name) =>
          machine.run(input as never, {
            overrides: { taskResourceLocalHandlers: { Plan: bound(60_000), ApplyBatch: bound(60_000), Finish: bound(60_000) } },
            context: { Execution: { Name: name, Input: input as never } },
          }).result,
      );
      Object.assign(process.env, { RECONCILE_JOB_ARN: arn, SFN_ENDPOINT: sfn.baseUrl });
      const reconcileFn = await env.load<Handler>('reconcile');
      const answer = await reconcileFn({ dryRun: false, actor: 'erin' }, context(60_000));
      expect(answer).toMatchObject({
        started: true,
        executionArn: expect.stringMatching(/^arn:aws:states:us-east-1:123456789012:execution:hf-iam-sync-test-reconcile:invoke-erin-\d+$/),
      });
      expect(sfn.executions).toHaveLength(1);
      expect(sfn.executions[0]!.input).toEqual({ trigger: 'invoke', actor: 'erin' });
      const output = (await sfn.executions[0]!.done) as any;
      expect(output.result).toMatchObject({ ok: true, outcome: 'blocked' });
      // The sample company's leavers are removed, by a run recorded as erin's.
      expect(env.sandbox.hub.member('linus-t')?.role).toBe('no_access');
      // A plan and one person still run in the function itself.
      expect(await reconcileFn({ dryRun: true }, context(60_000))).toMatchObject({ outcome: 'planned' });
      expect(sfn.executions).toHaveLength(1);
      // A state machine that is not there: the error says which, from Step Functions' own words.
      process.env.RECONCILE_JOB_ARN = `${arn}-gone`;
      const broken = await env.load<Handler>('reconcile');
      await expect(broken({ dryRun: false }, context(60_000))).rejects.toThrow(
        /start execution .* of arn:aws:states:.*-gone.*StateMachineDoesNotExist/,
      );
    } finally {
      await sfn.stop();
    }
  }, 60_000);
});
