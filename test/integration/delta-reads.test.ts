import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { computePlan } from '../../shared/domain/compute-plan.js';
import type { Plan } from '../../shared/domain/plan.js';
import { readInputs } from '../../shared/reconcile/read-inputs.js';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import type { OktaStandIn } from '../../sandbox/okta/okta-stand-in.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * Delta reads over HTTP: the official Okta SDK against the Okta stand-in (lastMembershipUpdated,
 * lastUpdated, `filter`, the System Log), the snapshot in dynalite through the AWS SDK.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const ORG = { kind: 'organization' } as const;
const apply = { dryRun: false, scope: ORG, trigger: 'cli', actor: 'ada' } as const;
const withoutRead = ({ oktaRead: _read, ...plan }: Plan) => plan;

/** Okta as it stood an hour ago: nothing in it changed within the delta's 5-minute margin. */
function settled(okta: OktaStandIn): void {
  const then = new Date(Date.now() - 3_600_000).toISOString();
  for (const u of okta.users.values()) u.lastUpdated = then;
  for (const g of okta.groups.values()) g.lastMembershipUpdated = then;
}

/** Okta calls since `from`, by endpoint (a group's members, the groups search, the users list, the System Log). */
function oktaCalls(okta: OktaStandIn, from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of okta.calls.slice(from)) {
    const key = /^\/api\/v1\/groups\/[^/]+\/users$/.test(c.path) ? 'group members' : c.path;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('delta reads from Okta (SDK → stand-in, snapshot in the table)', () => {
  it('a converged run reads four pages of Okta; after joins, leaves, a deactivation, a rename and deletions it plans what a full read plans', async () => {
    h = await startHarness();
    const { okta } = h.sandbox;
    settled(okta);
    await reconcile(h.composition.ports, h.config, apply);
    let from = okta.calls.length;
    const converged = await reconcile(h.composition.ports, h.config, apply);
    expect(converged.plan.oktaRead).toMatchObject({ kind: 'delta', groupsRead: 0, usersChanged: 0, snapshot: 'advanced' });
    expect(converged.plan.changes).toEqual([]);
    // The groups search, the two users-updated filters (one names DEPROVISIONED), the deletions in the System Log.
    expect(oktaCalls(okta, from)).toEqual({ '/api/v1/groups': 1, '/api/v1/users': 2, '/api/v1/logs': 1 });

    const write = okta.groupByName('hf-acme-write');
    const dennis = okta.userByLogin('dennis@acme.example');
    okta.addToGroup(write.id, dennis.id);
    okta.removeFromGroup(write.id, okta.userByLogin('margaret@acme.example').id);
    okta.deactivate(okta.userByLogin('ada@acme.example').id);
    okta.updateProfile(okta.userByLogin('barbara@acme.example').id, { hfUsername: 'barbara-l' });
    okta.renameGroup(okta.groupByName('hf-acme-read').id, 'readers');
    okta.deleteGroup(okta.groupByName('hf-acme-writer').id);
    okta.deleteUser(okta.userByLogin('grace@acme.example').id);
    from = okta.calls.length;
    const delta = await readInputs(h.composition.ports, h.config, ORG, { snapshot: 'read' });
    // hf-acme-write moved (a join, a leave, a deletion); hf-acme-rg-llm-write moved (the deletion).
    expect(delta.oktaRead).toMatchObject({ kind: 'delta', groupsRead: 2, usersDeleted: 1 });
    expect(oktaCalls(okta, from)).toEqual({ '/api/v1/groups': 1, 'group members': 2, '/api/v1/users': 2, '/api/v1/logs': 1 });
    const full = await readInputs(h.composition.ports, h.config, ORG, { snapshot: 'none' });
    expect(withoutRead(computePlan(delta))).toEqual(withoutRead(computePlan(full)));
    const plan = computePlan(delta);
    expect(plan.changes.map((c) => [c.user, c.effect])).toEqual([
      ['ada-acme', 'revoke'],
      ['grace-h', 'revoke'],
      ['mhamilton', 'revoke'],
    ]);
    expect(plan.needsInvite.map((n) => n.user)).toContain('dritchie');
  });

  it('a run killed (SIGKILL) while it writes its snapshot leaves the previous one in use; its chunks are never read', async () => {
    h = await startHarness();
    const { okta, dynamoEndpoint } = h.sandbox;
    settled(okta);
    const first = await reconcile(h.composition.ports, h.config, apply);
    const before = await h.composition.ports.state.getDirectorySnapshot('acme');
    expect(first.plan.oktaRead?.kind).toBe('full');
    // Okta moves: the killed run's snapshot would hold dennis in hf-acme-write; the kept one does not.
    okta.addToGroup(okta.groupByName('hf-acme-write').id, okta.userByLogin('dennis@acme.example').id);
    const proxy = await holdingProxy(dynamoEndpoint);
    const file = join(tmpdir(), `delta-kill-${process.pid}.yaml`);
    await writeFile(file, h.sandbox.configText);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../cli/bin.ts'), 'apply', '--config', file, '--yes', '--full'],
      { env: { ...process.env, ...h.sandbox.env, DYNAMODB_ENDPOINT: proxy.endpoint }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await proxy.headerSeen;
    child.kill('SIGKILL');
    await exited;
    await proxy.close();
    expect(proxy.chunksWritten).toBeGreaterThan(0);
    const after = await h.composition.ports.state.getDirectorySnapshot('acme');
    expect(after?.header).toEqual(before?.header);
    const next = await readInputs(h.composition.ports, h.config, ORG, { snapshot: 'read' });
    expect(next.oktaRead).toMatchObject({ kind: 'delta', reason: expect.stringContaining(before!.header.readStartedAt), groupsRead: 1 });
    expect(next.directory.members[okta.groupByName('hf-acme-write').id]).toContain(okta.userByLogin('dennis@acme.example').id);
  }, 60_000);
});

/**
 * A loopback proxy in front of the table: it passes every request through, counts the snapshot's
 * chunk writes, and holds (never forwards, never answers) the write of the snapshot's header —
 * the moment the test kills the process that sent it.
 */
async function holdingProxy(target: string) {
  let seen!: () => void;
  const headerSeen = new Promise<void>((resolve) => (seen = resolve));
  const state = { chunksWritten: 0 };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(parts).toString();
      if (/"sk":\{"S":"CHUNK#/.test(body)) state.chunksWritten += 1;
      if (String(req.headers['x-amz-target']).endsWith('PutItem') && /"sk":\{"S":"SNAPSHOT"\}/.test(body)) return seen();
      const answer = await fetch(target + (req.url ?? '/'), {
        method: req.method!,
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<
          string,
          string
        >,
        body,
      });
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    headerSeen,
    get chunksWritten() {
      return state.chunksWritten;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
