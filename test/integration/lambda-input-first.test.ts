import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/**
 * A malformed event is refused before the function builds anything: no secret read from Secrets
 * Manager, no table, no Okta or Hub call — the answer is the InputError that says what was wrong and
 * what the function accepts (as middy's validator does, before the handler's work).
 */

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let env: LambdaEnv;

beforeEach(async () => {
  env = await startLambdaEnv();
  process.env.AUDIT_LOG_GROUP = '/hf-iam-sync/test/audit';
});
afterEach(async () => {
  delete process.env.AUDIT_LOG_GROUP;
  await env.stop();
});

const CASES: Array<[name: Parameters<LambdaEnv['load']>[0], event: unknown, refusal: RegExp]> = [
  ['reconcile', { dryrun: false }, /Invalid reconcile event: .*Unrecognized key: "dryrun"/],
  ['reconcile-job', { step: 'apply' }, /Invalid reconcile-job step: .*The state machine sends/],
  ['okta-event', { Records: [{ body: '{}' }] }, /Invalid okta-event batch: Records\[0\] has no messageId and body/],
  ['okta-event', { hello: 'world' }, /Invalid okta-event event: expected an SQS batch .* or an EventBridge event/],
  ['rotate-tokens', { credential: 42 }, /credential/],
  [
    'audit-forwarder',
    { Records: [{ eventSource: 'aws:sqs' }] },
    /Invalid audit-forwarder batch: Records\[0\] is not a DynamoDB Stream record/,
  ],
  ['audit-forwarder', { detail: {} }, /Invalid audit-forwarder event: expected a DynamoDB Stream batch .* or the schedule's event/],
];

describe('a malformed event, refused before anything is built', () => {
  for (const [name, event, refusal] of CASES) {
    it(`${name}: ${JSON.stringify(event)}`, async () => {
      const handler = await env.load<Handler>(name);
      await expect(handler(event, lambdaContext)).rejects.toThrow(refusal);
      expect(env.logs()).toContain('"errorName":"InputError"');
      expect(env.secrets.calls, 'no secret was read').toEqual([]);
      expect(env.sandbox.hub.calls, 'the Hub was not called').toEqual([]);
      expect(env.sandbox.okta.calls, 'Okta was not called').toEqual([]);
    });
  }
});
