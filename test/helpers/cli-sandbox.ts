import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';

/**
 * For CLI tests: a fresh sandbox and its configuration file in a temporary directory around each
 * test. Call at the top of a test file; read the fields inside tests.
 */
export function useCliSandbox(): { readonly sandbox: Sandbox; readonly dir: string; readonly config: string } {
  const state = {} as { sandbox: Sandbox; dir: string; config: string };
  beforeEach(async () => {
    state.sandbox = await startSandbox();
    state.dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-cli-'));
    state.config = join(state.dir, 'config.yaml');
    await writeFile(state.config, state.sandbox.configText);
  });
  afterEach(async () => {
    await state.sandbox.stop();
    await rm(state.dir, { recursive: true, force: true });
  });
  return state;
}

/** Adds `count` linked, active Okta users in `group`, each already a Hub member with `role`. */
export function addLinkedPeople(sandbox: Sandbox, count: number, group: string, role = 'read') {
  const g = sandbox.okta.groupByName(group);
  return Array.from({ length: count }, (_, i) => {
    const user = sandbox.okta.addUser({ login: `p${i}@acme.example`, profile: { hfUsername: `p${i}` } });
    sandbox.okta.addToGroup(g.id, user.id);
    sandbox.hub.addMember(`p${i}`, role);
    return user;
  });
}
