// Runs one Lambda handler once in a process of its own (`node --import tsx`), so a test can kill it
// mid-step with SIGKILL as Lambda's sandbox would die: argv[2] names the function, argv[3] is the
// event (JSON); REMAINING_MS plays context.getRemainingTimeInMillis(). The environment is the
// caller's. The handler's answer is printed as the last line of stdout.
import type { Context } from 'aws-lambda';

const name = process.argv[2]!;
const { handler } = await import(`../../functions/${name}/handler.js`);
const started = Date.now();
const remaining = Number(process.env.REMAINING_MS ?? 60_000);
const context = {
  functionName: name,
  awsRequestId: `process-${process.pid}`,
  getRemainingTimeInMillis: () => remaining - (Date.now() - started),
} as unknown as Context;
const answer = await (handler as (event: unknown, context: Context) => Promise<unknown>)(JSON.parse(process.argv[3]!), context);
process.stdout.write(`\n${JSON.stringify(answer ?? null)}\n`);
