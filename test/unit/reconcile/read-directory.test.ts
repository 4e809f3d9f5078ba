import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../shared/domain/compute-plan.js';
import type { Plan } from '../../../shared/domain/plan.js';
import type { OktaStatus } from '../../../shared/domain/types.js';
import { readInputs } from '../../../shared/reconcile/read-inputs.js';
import { reconcile } from '../../../shared/reconcile/reconcile.js';
import { useCaseWorld, type UseCaseWorld } from '../../fakes/use-case-world.js';

const MINUTES = 60_000;
const ORG = { kind: 'organization' } as const;

/** alice and carol write, bob admin, dave outside every mapped group; the Hub matches. Set up ten minutes before the first read. */
function world(configure?: (text: string) => string): UseCaseWorld {
  const w = useCaseWorld(configure);
  w.directory.person('alice', ['hf-acme-write']);
  w.directory.person('bob', ['hf-acme-admin']);
  w.directory.person('carol', ['hf-acme-write']);
  w.directory.person('dave', ['other']);
  w.directory.person('root-admin', ['hf-acme-admin']);
  for (const [user, role] of [
    ['alice', 'write'],
    ['bob', 'admin'],
    ['carol', 'write'],
    ['root-admin', 'admin'],
  ] as const)
    w.hub.member(user, role);
  w.advance(10 * MINUTES);
  return w;
}

const deltaPlan = async (w: UseCaseWorld, options: { save?: boolean } = {}) =>
  computePlan(await readInputs(w.ports, w.config, ORG, { now: w.ports.clock, snapshot: options.save === false ? 'read' : 'use' }));
const fullPlan = async (w: UseCaseWorld) => computePlan(await readInputs(w.ports, w.config, ORG, { snapshot: 'none' }));
const withoutRead = ({ oktaRead: _read, ...plan }: Plan) => plan;
const callsOf = (w: UseCaseWorld, run: () => Promise<unknown>) => async () => {
  w.directory.calls.length = 0;
  await run();
  return [...w.directory.calls];
};

describe('organization reads: a delta of the last complete read', () => {
  it('reads in full the first time, then only the groups list, the users updated and the deletions when nothing moved', async () => {
    const w = world();
    const first = await deltaPlan(w);
    expect(first.oktaRead).toMatchObject({ kind: 'full', reason: 'no snapshot of an earlier read', snapshot: 'saved' });
    w.advance(60 * MINUTES);
    const calls = await callsOf(w, async () => {
      const second = await deltaPlan(w);
      expect(second.oktaRead).toMatchObject({ kind: 'delta', groupsRead: 0, usersChanged: 0, usersDeleted: 0, snapshot: 'advanced' });
      expect(withoutRead(second)).toEqual(withoutRead(first));
    })();
    expect(calls.sort()).toEqual(['findGroups', 'readDeletedUsersSince', 'readUsersUpdatedSince']);
  });

  it('a join, a leave, a deactivation and a changed username read as the full read reads them, re-reading only the moved groups', async () => {
    const w = world();
    await deltaPlan(w);
    w.advance(60 * MINUTES);
    const [alice, bob, , dave] = [...w.directory.users.values()];
    w.directory.leave(alice!.id, 'hf-acme-write');
    w.directory.join(dave!.id, 'hf-acme-write');
    w.directory.setStatus(bob!.id, 'DEPROVISIONED');
    w.directory.update(dave!.id, { hfUsername: 'dave-hf' });
    w.advance(10 * MINUTES);
    const delta = await deltaPlan(w);
    expect(delta.oktaRead).toMatchObject({ kind: 'delta', groupsRead: 1, usersChanged: 2, snapshot: 'saved' });
    expect(withoutRead(delta)).toEqual(withoutRead(await fullPlan(w)));
    expect(delta.changes.map((c) => [c.user, c.effect])).toEqual([
      ['alice', 'revoke'],
      ['bob', 'revoke'],
    ]);
    expect(delta.needsInvite.map((n) => n.user)).toEqual(['dave-hf']);
  });

  it('a group renamed out of the mapping, one deleted, and a user deleted drop out as in a full read; renamed back, the group is read again', async () => {
    const w = world();
    w.directory.person('erin', ['hf-acme-read']);
    w.directory.person('frank', ['hf-acme-contributor']);
    w.hub.member('erin', 'read');
    w.hub.member('frank', 'contributor');
    w.advance(10 * MINUTES);
    await reconcile(w.ports, w.config, { dryRun: false, scope: ORG, trigger: 'cli', actor: 'ada' });
    w.advance(60 * MINUTES);
    const readers = w.directory.group('hf-acme-read');
    w.directory.renameGroup(readers.id, 'readers');
    w.directory.deleteGroup(w.directory.group('hf-acme-contributor').id);
    w.directory.deleteUser([...w.directory.users.values()].find((u) => u.hfUsername === 'bob')!.id);
    w.advance(10 * MINUTES);
    const delta = await deltaPlan(w);
    // Deleting bob moved the admins' membership: that group alone is read again.
    expect(delta.oktaRead).toMatchObject({ kind: 'delta', groupsRead: 1, usersDeleted: 1 });
    expect(withoutRead(delta)).toEqual(withoutRead(await fullPlan(w)));
    expect(delta.changes.map((c) => [c.user, c.effect])).toEqual([
      ['bob', 'revoke'],
      ['erin', 'revoke'],
      ['frank', 'revoke'],
    ]);
    w.advance(60 * MINUTES);
    w.directory.renameGroup(readers.id, 'hf-acme-read');
    w.advance(10 * MINUTES);
    const back = await deltaPlan(w);
    expect(back.oktaRead).toMatchObject({ kind: 'delta', groupsRead: 1 });
    expect(withoutRead(back)).toEqual(withoutRead(await fullPlan(w)));
    expect(back.changes.map((c) => c.user)).not.toContain('erin');
  });

  it('reads in full when asked (--full), saving a snapshot the next delta starts from', async () => {
    const w = world();
    await deltaPlan(w);
    w.advance(60 * MINUTES);
    const plan = computePlan(await readInputs(w.ports, w.config, { kind: 'organization', fullRead: true }, { now: w.ports.clock }));
    expect(plan.oktaRead).toMatchObject({ kind: 'full', reason: 'a full read was asked for', snapshot: 'saved' });
    w.advance(60 * MINUTES);
    expect((await deltaPlan(w)).oktaRead?.reason).toContain(new Date(w.ports.clock().getTime() - 60 * MINUTES).toISOString());
  });

  it('reads in full once the last full read is older than okta.fullReadAfterHours (an hour early counts), never before', async () => {
    const w = world((t) => t.replace('usernameAttribute: hfUsername', 'usernameAttribute: hfUsername\n  fullReadAfterHours: 24'));
    await deltaPlan(w);
    for (let hour = 1; hour < 23; hour += 1) {
      w.advance(60 * MINUTES);
      expect((await deltaPlan(w)).oktaRead?.kind).toBe('delta');
    }
    w.advance(60 * MINUTES);
    expect((await deltaPlan(w)).oktaRead).toMatchObject({
      kind: 'full',
      reason: 'the last full read was 23.0 hours ago (okta.fullReadAfterHours: 24)',
    });
    w.advance(60 * MINUTES);
    expect((await deltaPlan(w)).oktaRead?.kind).toBe('delta');
  });

  it('reads in full when the rules changed since the snapshot, and always when delta reads are off', async () => {
    const w = world();
    await deltaPlan(w);
    w.advance(60 * MINUTES);
    const changed = useCaseWorld((t) => t.replace('{ group: hf-acme-write, role: write }', '{ group: hf-acme-write, role: read }')).config;
    const plan = computePlan(await readInputs(w.ports, changed, ORG, { now: w.ports.clock }));
    expect(plan.oktaRead).toMatchObject({ kind: 'full', reason: 'the rules changed since the snapshot' });
    const off = useCaseWorld((t) =>
      t.replace('usernameAttribute: hfUsername', 'usernameAttribute: hfUsername\n  fullReadAfterHours: 0'),
    ).config;
    w.advance(60 * MINUTES);
    const again = computePlan(await readInputs(w.ports, off, ORG, { now: w.ports.clock }));
    expect(again.oktaRead).toMatchObject({ kind: 'full', reason: 'delta reads are off (okta.fullReadAfterHours: 0)' });
  });

  it('a dry run reads a delta but writes nothing; a snapshot whose chunk is gone is never used', async () => {
    const w = world();
    await deltaPlan(w);
    const before = structuredClone([...w.table.partitions]);
    w.advance(60 * MINUTES);
    const dry = await reconcile(w.ports, w.config, { dryRun: true, scope: ORG, trigger: 'cli', actor: 'ada' });
    expect(dry.plan.oktaRead).toMatchObject({ kind: 'delta', snapshot: 'not saved: a dry run writes nothing' });
    expect([...w.table.partitions]).toEqual(before);
    const chunkPk = [...w.table.partitions.keys()].find((pk) => pk.startsWith('DIRECTORY#acme#'))!;
    w.table.delete(chunkPk, 'CHUNK#000000');
    expect((await deltaPlan(w)).oktaRead).toMatchObject({ kind: 'full', reason: 'no snapshot of an earlier read' });
  });

  it('an Okta read that fails in a delta aborts the run before any write, as a full read does', async () => {
    const w = world();
    await deltaPlan(w);
    w.advance(60 * MINUTES);
    w.directory.failNext('readUsersUpdatedSince', new Error('503 from Okta'));
    const run = reconcile(w.ports, w.config, { dryRun: false, scope: ORG, trigger: 'cli', actor: 'ada' });
    await expect(run).rejects.toThrow(/Reading Okta users and group members failed, so nothing was changed.*503 from Okta/);
    expect(w.hub.writes).toEqual([]);
  });
});

type Op =
  | { kind: 'join' | 'leave'; user: number; group: number }
  | { kind: 'status'; user: number; status: OktaStatus }
  | { kind: 'username'; user: number; name: string | null }
  | { kind: 'rename'; group: number; name: string }
  | { kind: 'delete-group'; group: number }
  | { kind: 'delete-user'; user: number }
  | { kind: 'hire'; name: string; group: number };

const GROUPS = ['hf-acme-write', 'hf-acme-admin', 'hf-acme-rg-llm-write', 'other', 'hf-acme-read'];
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const), user: fc.nat(7), group: fc.nat(4) }),
  fc.record({
    kind: fc.constant('status' as const),
    user: fc.nat(7),
    status: fc.constantFrom<OktaStatus>('ACTIVE', 'SUSPENDED', 'DEPROVISIONED'),
  }),
  fc.record({ kind: fc.constant('username' as const), user: fc.nat(7), name: fc.option(fc.constantFrom(...NAMES)) }),
  fc.record({ kind: fc.constant('rename' as const), group: fc.nat(4), name: fc.constantFrom(...GROUPS, 'renamed-away') }),
  fc.record({ kind: fc.constant('delete-group' as const), group: fc.nat(4) }),
  fc.record({ kind: fc.constant('delete-user' as const), user: fc.nat(7) }),
  fc.record({ kind: fc.constant('hire' as const), name: fc.constantFrom(...NAMES), group: fc.nat(4) }),
);

/** Applies one Okta change to the world's directory (a no-op when it names someone or something gone). */
function apply(w: UseCaseWorld, op: Op, groupIds: string[]): void {
  const users = [...w.directory.users.values()];
  const user = 'user' in op ? users[op.user % Math.max(users.length, 1)] : undefined;
  const groupId = 'group' in op ? groupIds[op.group] : undefined;
  const group = groupId ? w.directory.groups.get(groupId) : undefined;
  if (op.kind === 'hire') return void w.directory.person(op.name, group ? [group.name] : []);
  if (op.kind === 'rename' || op.kind === 'delete-group') {
    if (!group) return;
    return op.kind === 'rename' ? w.directory.renameGroup(group.id, op.name) : w.directory.deleteGroup(group.id);
  }
  if (!user) return;
  if (op.kind === 'join' && group) w.directory.join(user.id, group.id);
  if (op.kind === 'leave' && group) w.directory.leave(user.id, group.id);
  if (op.kind === 'status') w.directory.setStatus(user.id, op.status);
  if (op.kind === 'username') w.directory.update(user.id, { hfUsername: op.name });
  if (op.kind === 'delete-user') w.directory.deleteUser(user.id);
}

describe('delta equals full (property)', () => {
  it('after every step of a random sequence of Okta changes, the delta read plans exactly what a full read plans', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ op: opArb, wait: fc.constantFrom(0, 1, 10 * MINUTES) }), { minLength: 1, maxLength: 12 }),
        async (steps) => {
          const w = world();
          w.directory.group('hf-acme-read');
          const groupIds = GROUPS.map((name) => w.directory.group(name).id);
          w.hub.member('erin', 'read');
          await deltaPlan(w);
          for (const { op, wait } of steps) {
            w.advance(wait);
            apply(w, op, groupIds);
            w.advance(wait);
            const delta = await deltaPlan(w);
            expect(withoutRead(delta)).toEqual(withoutRead(await fullPlan(w)));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
