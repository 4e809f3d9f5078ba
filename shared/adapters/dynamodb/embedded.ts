import { mkdir, open, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { StoreBusyError } from '../../runtime/errors.js';

/**
 * dynalite (a DynamoDB-compatible server, in this process) on an ephemeral loopback port: the
 * embedded store of the CLI when neither STATE_TABLE nor DYNAMODB_ENDPOINT is set, and the local
 * DynamoDB of the sandbox and the tests. With `path` it persists to LevelDB files there.
 */
export async function startEmbeddedDynamo(options: { path?: string } = {}): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const { default: dynalite } = await import('dynalite');
  let release = async () => undefined as void;
  if (options.path) {
    await mkdir(options.path, { recursive: true });
    release = await claimStore(options.path);
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
      await release();
    },
  };
}

interface Owner {
  pid: number;
  command: string;
  startedAt: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * LevelDB lets one process open a store; a second one used to die with "Database is closed" and a
 * stack trace. The owner file (created exclusively) says which process has the store, so the second
 * one is told who and what to do. A file left by a process that died is taken over.
 */
async function claimStore(path: string): Promise<() => Promise<void>> {
  const file = join(path, 'OWNER.json');
  const me: Owner = {
    pid: process.pid,
    command: `hf-iam-sync ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readFile(file, 'utf8')
      .then((t) => JSON.parse(t) as Owner)
      .catch(() => null);
    if (owner && owner.pid !== process.pid && alive(owner.pid)) {
      throw new StoreBusyError(
        `The embedded state store ${path} is in use by process ${owner.pid} (${owner.command}, started ${owner.startedAt}). ` +
          'Wait for it to finish, or stop it; runs that must overlap need a shared DynamoDB table (set STATE_TABLE, and DYNAMODB_ENDPOINT for a local one).',
      );
    }
    await rm(file, { force: true }); // left by a process that is gone
  }
  throw new StoreBusyError(`Could not claim the embedded state store ${path}: another process keeps taking it; try again`);
}
