import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

/**
 * dynalite (a DynamoDB-compatible server, in this process) on an ephemeral loopback port: the
 * embedded store of the CLI when neither STATE_TABLE nor DYNAMODB_ENDPOINT is set, and the local
 * DynamoDB of the sandbox and the tests. With `path` it persists to LevelDB files there.
 */
export async function startEmbeddedDynamo(options: { path?: string } = {}): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const { default: dynalite } = await import('dynalite');
  if (options.path) await mkdir(options.path, { recursive: true });
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
