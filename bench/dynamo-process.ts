import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { startEmbeddedDynamo } from '../shared/adapters/dynamodb/embedded.js';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../sandbox/dynamodb-local.js';

/**
 * A DynamoDB-compatible server (dynalite) in a process of its own, as DynamoDB is a service of its
 * own: the offboarding benchmarks measure the product, not one event loop shared with the table.
 * Run as a child: announces its endpoint over IPC and exits with its parent.
 */

export async function startDynamoProcess(): Promise<{ endpoint: string; stop: () => Promise<void>; server: string }> {
  // AWS's DynamoDB Local when this machine has it (it serves concurrent requests as the service
  // does); dynalite, one event loop, otherwise.
  if (!process.env.BENCH_DYNALITE && dynamoDbLocalUnavailable() === null)
    return { ...(await startDynamoDbLocal()), server: 'DynamoDB Local' };
  const child = fork(resolve('bench/dynamo-process.ts'), ['--child'], { execArgv: ['--import', 'tsx'] });
  const endpoint = await new Promise<string>((done) => child.once('message', (m: { endpoint: string }) => done(m.endpoint)));
  return {
    endpoint,
    server: 'dynalite',
    stop: async () => {
      child.kill();
      await new Promise((done) => child.once('exit', done));
    },
  };
}

if (process.argv.includes('--child')) {
  const dynamo = await startEmbeddedDynamo();
  process.on('disconnect', () => process.exit(0));
  process.send!({ endpoint: dynamo.endpoint });
}
