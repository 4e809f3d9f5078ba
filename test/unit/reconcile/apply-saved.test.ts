import { describe, expect, it } from 'vitest';
import { applySavedPlan } from '../../../shared/reconcile/apply-saved.js';
import { reconcile } from '../../../shared/reconcile/reconcile.js';
import { savePlan, type SavedPlan } from '../../../shared/reconcile/saved-plan.js';
import { PlanNotApplyableError } from '../../../shared/runtime/errors.js';
import { useCaseWorld, type UseCaseWorld } from '../../fakes/use-case-world.js';

/** A reviewed plan: ann and ben get write (they have read). */
async function reviewed(): Promise<{ w: UseCaseWorld; saved: SavedPlan }> {
  const w = useCaseWorld();
  w.directory.person('root-admin', ['hf-acme-admin']);
  w.hub.member('root-admin', 'admin');
  for (const name of ['ann', 'ben']) {
    w.directory.person(name, ['hf-acme-write']);
    w.hub.member(name, 'read');
  }
  const { plan } = await reconcile(w.ports, w.config, { dryRun: true, scope: { kind: 'organization' }, trigger: 'cli', actor: 'ada' });
  const saved = savePlan(plan, { createdAt: '2026-12-07T08:00:00.000Z', createdBy: 'ada', configSha256: w.config.sourceSha256 }, 'key');
  return { w, saved };
}

describe('applySavedPlan (apply FILE)', () => {
  it('applies a reviewed plan whose members are as it saw them, under the lease and the audit trail', async () => {
    const { w, saved } = await reviewed();
    const outcome = await applySavedPlan(w.ports, w.config, saved, { actor: 'bo', allOrNothing: false });
    expect(outcome).toMatchObject({ outcome: 'succeeded', stale: [] });
    expect(w.hub.writes.sort()).toEqual(['set ann write', 'set ben write']);
    expect((await w.ports.state.getRun(outcome.runId))?.outcome).toBe('succeeded');
    expect(w.table.get('LOCK#acme', 'LOCK')).toBeUndefined();
  });

  it('refuses a change whose member moved since the review, says how and by whom, and applies the rest', async () => {
    const { w, saved } = await reviewed();
    w.hub.member('ben', 'admin');
    const outcome = await applySavedPlan(w.ports, w.config, saved, { actor: 'bo', allOrNothing: false });
    expect(outcome.outcome).toBe('partial');
    expect(outcome.stale.map((s) => s.reason)).toEqual([
      'ben changed since the plan was made: planned from read, the Hub now shows admin; changed outside hf-iam-sync (on the Hub, or by another tool). Not applied: make and review a new plan',
    ]);
    expect(w.hub.writes).toEqual(['set ann write']);
  });

  it('with allOrNothing, one moved member means nothing is applied', async () => {
    const { w, saved } = await reviewed();
    w.hub.member('ben', 'write');
    const outcome = await applySavedPlan(w.ports, w.config, saved, { actor: 'bo', allOrNothing: true });
    expect(outcome.outcome).toBe('aborted');
    expect(outcome.stale[0]?.reason).toContain('the Hub already showed the planned access');
    expect(w.hub.writes).toEqual([]);
  });

  it('refuses a plan that has errors before it takes the lease', async () => {
    const { w, saved } = await reviewed();
    const errored = { ...saved, plan: { ...saved.plan, errored: true } };
    await expect(applySavedPlan(w.ports, w.config, errored, { actor: 'bo', allOrNothing: false })).rejects.toBeInstanceOf(
      PlanNotApplyableError,
    );
    expect(w.table.partitions.size).toBe(0);
  });
});
