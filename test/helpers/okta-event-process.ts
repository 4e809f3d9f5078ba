// Runs the okta-event Lambda handler once in a process of its own (`node --import tsx`), so a test
// can kill it mid-step with SIGKILL as Lambda's sandbox would die. The EventBridge event is argv[2];
// REMAINING_MS plays context.getRemainingTimeInMillis(). The environment is the caller's.
import type { Context } from 'aws-lambda';

const { handler } = await import('../../functions/okta-event/handler.js');
const started = Date.now();
const remaining = Number(process.env.REMAINING_MS ?? 60_000);
const context = {
  functionName: 'okta-event',
  awsRequestId: 'killed-1',
  getRemainingTimeInMillis: () => remaining - (Date.now() - started),
} as unknown as Context;
await (handler as unknown as (event: unknown, context: Context) => Promise<unknown>)(JSON.parse(process.argv[2]!), context);
