import { describe, expect, it } from 'vitest';
import { applyBatch } from '../../../shared/reconcile/job.js';
import { jobDeps, reconcile } from '../../../shared/reconcile/reconcile.js';
import type { StateStore } from '../../../shared/ports/state-store.js';
import { useCaseWorld, type UseCaseWorld } from '../../fakes/use-case-world.js';

const WHO = { trigger: 'schedule' as const, actor: 'scheduler' };

/** Four people entitled to write who have read: an org apply handed over to the batches (slices of two). */
async function handedOver(): Promise<{ w: UseCaseWorld; ticket: { runId: string; owner: string } }> {
  const w = useCaseWorld();
  w.directory.person('root-admin', ['hf-acme-admin']);
  w.hub.member('root-admin', 'admin');
  for (const name of ['ann', 'ben', 'cat', 'dov']) {
    w.directory.person(name, ['hf-acme-write']);
    w.hub.member(name, 'read');
  }
  const planned = await reconcile(w.ports, w.config, {
    dryRun: false,
    scope: { kind: 'organization' },
    ...WHO,
    execution: { job: 'hand-over' },
  });
  return { w, ticket: planned.ticket! };
}

/**
 * The state store of an executor whose process dies right after its next Hub write: from then on
 * none of its calls ever returns (as after a kill, nothing more reaches the table).
 */
function dyingAfterHubWrite(w: UseCaseWorld): { ports: UseCaseWorld['ports']; dead: () => boolean } {
  let dead = false;
  const never = () => new Promise<never>(() => undefined);
  const state = new Proxy(w.ports.state, {
    get: (target, name: keyof StateStore) => (dead ? never : target[name]),
  });
  const setAccess: typeof w.hub.setAccess = async (user, access) => {
    await w.hub.setAccess(user, access);
    dead = true;
  };
  const hub = new Proxy(w.hub, {
    get: (target, name: keyof typeof w.hub) => {
      const value = name === 'setAccess' ? setAccess : target[name];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ports: { ...w.ports, state, hub }, dead: () => dead };
}

describe('applyBatch (a stored plan’s batches)', () => {
  it('applies the stored plan slice by slice, each checkpointed, and counts from the audit records', async () => {
    const { w, ticket } = await handedOver();
    const done = await applyBatch(jobDeps(w.ports, w.config, WHO), ticket, { ...WHO, slice: 2 });
    expect(done).toMatchObject({ done: true, cursor: 4, total: 4, counts: { applied: 4, failed: 0, held: 0, superseded: 0 } });
    expect(w.hub.writes.sort()).toEqual(['set ann write', 'set ben write', 'set cat write', 'set dov write']);
  });

  it('a batch killed between a Hub write and its record: the retry finds the Hub already shows it, records it applied, and writes it once', async () => {
    const { w, ticket } = await handedOver();
    const dying = dyingAfterHubWrite(w);
    void applyBatch(jobDeps(dying.ports, w.config, WHO), ticket, { ...WHO, slice: 2, concurrency: 1 });
    while (!dying.dead()) await new Promise((resolve) => setImmediate(resolve));
    const [first] = w.hub.writes;
    const user = first!.split(' ')[1]!;
    const retried = await applyBatch(jobDeps(w.ports, w.config, WHO), ticket, { ...WHO, slice: 2 });
    expect(retried).toMatchObject({ done: true, counts: { applied: 4, failed: 0 } });
    expect(w.hub.writes.filter((x) => x.includes(` ${user} `))).toHaveLength(1);
    const records = await w.ports.state.listRunChanges(ticket.runId, 1, 4);
    expect(records.find((r) => r.user === user)).toMatchObject({ outcome: 'applied', note: expect.stringContaining('already showed') });
  });

  it('a member changed on the Hub since the plan is not overwritten: superseded, then planned again alone', async () => {
    const { w, ticket } = await handedOver();
    w.hub.member('cat', 'admin');
    const done = await applyBatch(jobDeps(w.ports, w.config, WHO), ticket, { ...WHO, slice: 2 });
    expect(done.counts).toMatchObject({ applied: 3, superseded: 1 });
    const cat = (await w.ports.state.listRunChanges(ticket.runId, 1, 4)).find((r) => r.user === 'cat');
    expect(cat).toMatchObject({ outcome: 'superseded' });
    expect(cat?.error).toMatch(
      /planned from read, the Hub now shows admin; not overwritten with the old decision; re-planned alone in run run-\d+/,
    );
    expect(w.hub.members.get('cat')?.role).toBe('write');
  });

  it('refuses a batch whose owner is no longer the stored plan’s (another executor resumed it)', async () => {
    const { w, ticket } = await handedOver();
    await expect(applyBatch(jobDeps(w.ports, w.config, WHO), { ...ticket, owner: 'someone-else' }, WHO)).rejects.toThrow(/now applied by/);
    expect(w.hub.writes).toEqual([]);
  });
});
