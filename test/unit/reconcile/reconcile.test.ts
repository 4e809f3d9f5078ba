import { describe, expect, it } from 'vitest';
import { reconcile, type ReconcileRequest } from '../../../shared/reconcile/reconcile.js';
import { IncompleteReadError, LeaseHeldError } from '../../../shared/runtime/errors.js';
import { useCaseWorld, type UseCaseWorld } from '../../fakes/use-case-world.js';

const ORG_APPLY: ReconcileRequest = { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 'ada' };

/** alice should have write (she has read), bob left the company (deprovisioned, still write on the Hub). */
function driftedWorld(): UseCaseWorld {
  const w = useCaseWorld();
  w.directory.person('alice', ['hf-acme-write']);
  w.directory.person('bob', ['hf-acme-write'], { status: 'DEPROVISIONED' });
  w.directory.person('root-admin', ['hf-acme-admin']);
  w.hub.member('alice', 'read');
  w.hub.member('bob', 'write');
  w.hub.member('root-admin', 'admin');
  return w;
}

const items = (w: UseCaseWorld, prefix: string) => [...w.table.partitions.keys()].filter((pk) => pk.startsWith(prefix));

describe('reconcile (organization)', () => {
  it('applies the plan leavers first, records each change and the members it now manages, and releases its lease', async () => {
    const w = driftedWorld();
    const outcome = await reconcile(w.ports, w.config, ORG_APPLY);
    expect(outcome.outcome).toBe('succeeded');
    expect(w.hub.writes).toEqual(['set bob no_access', 'set alice write']);
    const changes = await w.ports.state.listRunChanges(outcome.runId, 1, 100);
    expect(changes.map((c) => [c.user, c.action, c.outcome])).toEqual([
      ['bob', 'remove', 'applied'],
      ['alice', 'set-role', 'applied'],
    ]);
    expect((await w.ports.state.getManaged('acme', 'alice'))?.role).toBe('write');
    expect((await w.ports.state.getManaged('acme', 'bob'))?.removed?.role).toBe('write');
    expect((await w.ports.state.getRun(outcome.runId))?.outcome).toBe('succeeded');
    expect(items(w, 'LOCK#')).toEqual([]);
  });

  it('a converged organization plans nothing the second time', async () => {
    const w = driftedWorld();
    await reconcile(w.ports, w.config, ORG_APPLY);
    const again = await reconcile(w.ports, w.config, { ...ORG_APPLY, dryRun: true });
    expect(again.plan.changes).toEqual([]);
  });

  it('records a failed Hub write as failed and still applies the rest', async () => {
    const w = driftedWorld();
    w.hub.failNext('setAccess', new Error('Hub answered 503'));
    const outcome = await reconcile(w.ports, w.config, ORG_APPLY);
    expect(outcome.outcome).toBe('partial');
    const changes = await w.ports.state.listRunChanges(outcome.runId, 1, 100);
    expect(changes.map((c) => [c.user, c.outcome])).toEqual([
      ['bob', 'failed'],
      ['alice', 'applied'],
    ]);
    expect(changes[0]?.error).toContain('Hub answered 503');
    expect(w.hub.members.get('bob')?.role).toBe('write');
  });

  it('holds back more removals than safety.maxRemovals allows, writes none of them, and ends blocked', async () => {
    const w = useCaseWorld();
    w.directory.person('root-admin', ['hf-acme-admin']);
    w.hub.member('root-admin', 'admin');
    for (let i = 0; i < 11; i++) {
      w.directory.person(`leaver${i}`, ['hf-acme-write'], { status: 'SUSPENDED' });
      w.hub.member(`leaver${i}`, 'write');
    }
    const outcome = await reconcile(w.ports, w.config, ORG_APPLY);
    expect(outcome.outcome).toBe('blocked');
    expect(outcome.plan.blocked).toHaveLength(11);
    expect(w.hub.writes).toEqual([]);
  });

  it('changes nothing when a read fails, and leaves no lease behind', async () => {
    const w = driftedWorld();
    w.directory.failNext('readOrganization', new Error('Okta answered 500'));
    await expect(reconcile(w.ports, w.config, ORG_APPLY)).rejects.toBeInstanceOf(IncompleteReadError);
    expect(w.hub.writes).toEqual([]);
    expect(items(w, 'LOCK#')).toEqual([]);
    expect((await reconcile(w.ports, w.config, ORG_APPLY)).outcome).toBe('succeeded');
  });

  it('a dry run takes no lease and writes nothing at all', async () => {
    const w = driftedWorld();
    const outcome = await reconcile(w.ports, w.config, { ...ORG_APPLY, dryRun: true });
    expect(outcome.outcome).toBe('planned');
    expect(outcome.plan.changes.map((c) => c.user)).toEqual(['alice', 'bob']);
    expect(w.hub.writes).toEqual([]);
    expect(w.table.partitions.size).toBe(0);
  });

  it('refuses to apply while another run holds the organization lease', async () => {
    const w = driftedWorld();
    await w.ports.state.acquireLease('acme', 'other-run', 60_000, w.ports.clock());
    await expect(reconcile(w.ports, w.config, ORG_APPLY)).rejects.toBeInstanceOf(LeaseHeldError);
    expect(w.hub.writes).toEqual([]);
  });

  it('a declined confirmation applies nothing', async () => {
    const w = driftedWorld();
    const outcome = await reconcile(w.ports, w.config, { ...ORG_APPLY, approval: { confirm: async () => false } });
    expect(outcome.outcome).toBe('declined');
    expect(w.hub.writes).toEqual([]);
  });
});

describe('reconcile (one person)', () => {
  it('offboards the person without the organization lease, and records the decision on their member hold', async () => {
    const w = driftedWorld();
    const bob = [...w.directory.users.values()].find((u) => u.hfUsername === 'bob')!;
    await w.ports.state.acquireLease('acme', 'an-org-run', 600_000, w.ports.clock());
    const outcome = await reconcile(w.ports, w.config, { ...ORG_APPLY, scope: { kind: 'user', user: bob.id }, trigger: 'event' });
    expect(outcome.outcome).toBe('succeeded');
    expect(w.hub.writes).toEqual(['set bob no_access']);
    const hold = w.table.get('HOLD#acme#bob', 'HOLD');
    expect(hold).toMatchObject({ decidedBy: outcome.runId });
    expect(hold?.owner).toBeUndefined();
    const [change] = await w.ports.state.listRunChanges(outcome.runId, 1, 10);
    expect(change).toMatchObject({ user: 'bob', action: 'remove', outcome: 'applied', trigger: 'event' });
  });

  it('reads only that person: alice is not changed by a run about bob', async () => {
    const w = driftedWorld();
    const bob = [...w.directory.users.values()].find((u) => u.hfUsername === 'bob')!;
    const outcome = await reconcile(w.ports, w.config, { ...ORG_APPLY, scope: { kind: 'user', user: bob.id } });
    expect(outcome.plan.changes.map((c) => c.user)).toEqual(['bob']);
    expect(w.directory.calls).not.toContain('readOrganization');
    expect(w.hub.members.get('alice')?.role).toBe('read');
  });
});
