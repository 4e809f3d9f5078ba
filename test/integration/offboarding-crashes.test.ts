import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fault, StandInServer } from '../../sandbox/http-kit.js';
import { dynamoDbStateStore } from '../../shared/adapters/dynamodb/dynamodb-state-store.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/table.js';
import { asEventBridge, lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/**
 * An okta-event process killed (SIGKILL, as Lambda's sandbox dies) at each step of an offboarding;
 * then what production has — Lambda's retry or the System Log poll — runs. Whatever the step, the
 * person ends offboarded, the Hub changed once, and MemberOffboarded published once.
 */

type Handler<E> = (event: E, context: Context) => Promise<unknown>;
let env: LambdaEnv;
beforeEach(async () => {
  env = await startLambdaEnv();
});
afterEach(async () => {
  await env.stop();
});

const ROLE = /\/members\/linus-t\/role$/;

interface Step {
  name: string;
  server: (env: LambdaEnv) => StandInServer;
  fault: (linusId: string) => Fault;
  then: 'retry' | 'poll';
}

const STEPS: Step[] = [
  {
    name: 'reading the Okta user',
    server: (e) => e.sandbox.okta,
    fault: (id) => ({ method: 'GET', path: new RegExp(`/api/v1/users/${id}$`), status: 0, hang: true }),
    then: 'poll',
  },
  {
    name: 'the role change, before the Hub applied it',
    server: (e) => e.sandbox.hub,
    fault: () => ({ method: 'PUT', path: ROLE, status: 0, hang: true }),
    then: 'retry',
  },
  {
    name: 'the role change, after the Hub applied it (its answer never came)',
    server: (e) => e.sandbox.hub,
    fault: () => ({ method: 'PUT', path: ROLE, status: 0, hang: true, afterRoute: true }),
    then: 'poll',
  },
  {
    name: 'publishing MemberOffboarded',
    server: (e) => e.bus,
    fault: () => ({ method: 'POST', path: /^\/$/, status: 0, hang: true }),
    then: 'retry',
  },
];

describe('an offboarding killed at each step', () => {
  for (const step of STEPS) {
    it(`killed while ${step.name}: the ${step.then} offboards once and announces once`, async () => {
      const { okta, hub } = env.sandbox;
      const linus = okta.userByLogin('linus@acme.example');
      const event = okta.deactivate(linus.id);
      const server = step.server(env);
      server.inject({ ...step.fault(linus.id), times: 1 });
      const seen = server.calls.length;
      // The invocation has 8 s: its deadline is 3 s away (less the 5 s margin), its claims a second longer.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../helpers/okta-event-process.ts'), JSON.stringify(asEventBridge(event))],
        {
          env: { ...process.env, REMAINING_MS: '8000' },
          stdio: 'ignore',
        },
      );
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        const hung = () => server.calls.slice(seen).some((c) => c.status === 0);
        for (let i = 0; i < 600 && !hung(); i += 1) await new Promise((r) => setTimeout(r, 20));
        expect(hung()).toBe(true);
        child.kill('SIGKILL');
        await exited;
        if (step.name === 'the role change, before the Hub applied it') {
          // What the dead run left: its outcome event staged and its own record, both in the one
          // write of its change's `started` record, before the Hub call.
          const doc = createDocumentClient(env.sandbox.dynamoEndpoint);
          const state = dynamoDbStateStore(doc, 'hf-iam-sync');
          const [staged] = await state.listOutbox('acme', 'linus-t');
          expect(staged).toMatchObject({ status: 'pending', user: 'linus-t' });
          expect(await state.getChange(staged!.runId, staged!.seqs[0]!)).toMatchObject({ outcome: 'started', user: 'linus-t' });
          const run = await state.getRun(staged!.runId);
          expect(run).toMatchObject({ trigger: 'event', scope: { kind: 'user' } });
          expect(run?.finishedAt).toBeUndefined();
          doc.destroy();
        }
        await new Promise((r) => setTimeout(r, 4_500)); // past the dead invocation's claims

        if (step.then === 'retry') await (await env.load<Handler<unknown>>('okta-event'))(asEventBridge(event), lambdaContext);
        else await (await env.load<Handler<unknown>>('okta-log-poll'))({}, lambdaContext);
        // And the next poll, whatever is left.
        await (
          await env.load<Handler<unknown>>('okta-log-poll')
        )({}, lambdaContext);

        expect(hub.member('linus-t')?.role).toBe('no_access');
        const applied = hub.calls.filter((c) => c.method === 'PUT' && ROLE.test(c.path) && c.body !== undefined);
        expect(applied).toHaveLength(1);
        const announced = env.bus.received.filter((e) => e.detailType === 'hf-iam-sync.MemberOffboarded');
        expect(announced.map((e) => e.detail.user)).toEqual(['linus-t']);
      } finally {
        child.kill('SIGKILL');
      }
    }, 40_000);
  }
});
