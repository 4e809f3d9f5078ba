import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleOktaEvents, type EventPorts } from '../../shared/offboarding/handle-okta-events.js';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import { startEventHarness, type Harness } from '../helpers/harness.js';

/**
 * An offboarding while an org reconcile applies hundreds of slow writes: it serializes on the
 * person's member (member-holds.ts), never on the organization. Real adapters, the Okta and Hub
 * stand-ins, dynalite.
 */

let h: Harness;
let ports: EventPorts;

beforeEach(async () => {
  ({ h, ports } = await startEventHarness());
});
afterEach(async () => {
  await h.stop();
});

const ROLE_PUT = /\/members\/([^/]+)\/role$/;
const until = async (what: () => boolean) => {
  for (let i = 0; i < 2000 && !what(); i += 1) await new Promise((r) => setTimeout(r, 5));
  if (!what()) throw new Error('condition never reached');
};

/** 300 people the org run upgrades read → write, and `late`, upgraded too, whom Okta deactivates mid-run. */
function bigUpgrade(late: string) {
  const { okta, hub } = h.sandbox;
  const write = okta.groupByName('hf-acme-write');
  const names = [...Array.from({ length: 300 }, (_, i) => `bulk${String(i).padStart(3, '0')}`), late];
  for (const name of names) {
    const user = okta.addUser({ login: `${name}@acme.example`, profile: { hfUsername: name } });
    okta.addToGroup(write.id, user.id);
    hub.addMember(name, 'read');
  }
  return okta.userByLogin(`${late}@acme.example`);
}

describe('an offboarding during an org reconcile', () => {
  it("is done while the reconcile is still applying; the reconcile's older upgrade of that person is superseded, not written", async () => {
    const { okta, hub } = h.sandbox;
    const person = bigUpgrade('zz-late');
    hub.latencyFor = (method, path) => (method === 'PUT' && ROLE_PUT.test(path) ? 15 : 0);
    let orgDone = false;
    const org = reconcile(ports, h.config, {
      dryRun: false,
      scope: { kind: 'organization' },
      trigger: 'schedule',
      actor: 'schedule',
    }).finally(() => {
      orgDone = true;
    });
    await until(() => hub.count(ROLE_PUT, 'PUT') >= 40);
    expect(hub.member('zz-late')?.role).toBe('read'); // the org run has not reached them

    const result = await handleOktaEvents(ports, h.config, [okta.deactivate(person.id)], 'eventbridge');
    expect(orgDone).toBe(false); // done while the reconcile is still writing: it did not wait for it
    expect(result.outcomes).toEqual([expect.objectContaining({ outcome: 'processed' })]);
    expect(result.offboarded).toEqual(['zz-late']);
    expect(hub.member('zz-late')?.role).toBe('no_access');

    const outcome = await org;
    expect(outcome.result!.failed).toEqual([]);
    expect(outcome.result!.applied.filter((r) => r.user.startsWith('bulk'))).toHaveLength(300);
    expect(outcome.result!.superseded).toEqual([
      expect.objectContaining({
        user: 'zz-late',
        action: 'set-role',
        error: expect.stringMatching(/zz-late was decided by run .* later than this run's/),
      }),
    ]);
    // Nobody ends in a wrong state: the leaver stays out, everyone else got the upgrade.
    expect(hub.member('zz-late')?.role).toBe('no_access');
    expect(Array.from({ length: 300 }, (_, i) => hub.member(`bulk${String(i).padStart(3, '0')}`)?.role).every((r) => r === 'write')).toBe(
      true,
    );
    const trail = await ports.state.listChanges({ organization: 'acme', user: 'zz-late', limit: 10 });
    expect(trail.map((c) => `${c.trigger}:${c.action}:${c.outcome}`)).toEqual(['schedule:set-role:superseded', 'event:remove:applied']);
  }, 60_000);

  it('waits for the one write the reconcile is making to that person, then removes them from what it reads after it', async () => {
    const { okta, hub } = h.sandbox;
    const person = bigUpgrade('bulk150x');
    // The org run's write to this person is slow; the deactivation arrives while it is in flight.
    let inFlight = false;
    hub.latencyFor = (method, path) => {
      if (method !== 'PUT' || !ROLE_PUT.test(path)) return 0;
      if (path.includes('/bulk150x/') && !inFlight) {
        inFlight = true;
        return 1500;
      }
      return 5;
    };
    const org = reconcile(ports, h.config, { dryRun: false, scope: { kind: 'organization' }, trigger: 'schedule', actor: 'schedule' });
    await until(() => inFlight);
    const result = await handleOktaEvents(ports, h.config, [okta.deactivate(person.id)], 'eventbridge');
    expect(result.offboarded).toEqual(['bulk150x']);
    expect((await org).result!.applied.map((r) => r.user)).toContain('bulk150x');
    // Had the offboarding not waited, the reconcile's slower upgrade would have landed after the removal.
    expect(hub.member('bulk150x')?.role).toBe('no_access');
    const [removal] = await ports.state.listChanges({
      organization: 'acme',
      user: 'bulk150x',
      trigger: 'event',
      outcome: 'applied',
      limit: 1,
    });
    expect(removal!.before?.role).toBe('write'); // it read the Hub after the reconcile's write
  }, 60_000);

  it('a person run that keeps finding a later decision about its member writes nothing, gives its holds back, and says so', async () => {
    const { okta, hub } = h.sandbox;
    const linus = okta.userByLogin('linus@acme.example');
    // Our state links him to an old name too: that member is held first (alongside the Okta read),
    // the one his attribute names right after.
    hub.addMember('linus-old', 'read');
    await ports.state.saveManaged('acme', [
      {
        user: 'linus-old',
        oktaUserId: linus.id,
        role: 'read',
        resourceGroups: [],
        lastSyncedAt: new Date().toISOString(),
      },
    ]);
    // A run that read an hour from now decided about linus-t (a clock far ahead: every attempt is older).
    expect(await ports.state.holdMember('acme', 'linus-t', 'later-run', 1000, new Date(), Date.now() + 3_600_000)).toBe('held');
    await ports.state.releaseMemberHold('acme', 'linus-t', 'later-run');
    const result = await handleOktaEvents(ports, h.config, [okta.deactivate(linus.id)], 'eventbridge');
    expect(result.outcomes).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        detail: expect.stringMatching(/linus-t was decided by run later-run .* later than this run's/),
      }),
    ]);
    expect(hub.member('linus-t')?.role).toBe('write');
    // Nothing is left held by the failed run: the hold answers only with the later decision.
    expect(await ports.state.holdMember('acme', 'linus-t', 'probe', 1000, new Date(), Date.now())).toMatchObject({ by: 'later-run' });
    expect(await ports.state.holdMember('acme', 'linus-old', 'probe', 1000, new Date(), Date.now() + 7_200_000)).toBe('held');
    expect(hub.member('linus-old')?.role).toBe('read');
  });

  it('a one-person run never waits for the org lease, and an org run still cannot start while another holds it', async () => {
    const { okta, hub } = h.sandbox;
    await ports.state.acquireLease('acme', 'some-org-run', 60_000, new Date());
    const result = await handleOktaEvents(ports, h.config, [okta.deactivate(okta.userByLogin('linus@acme.example').id)], 'eventbridge');
    expect(result.offboarded).toEqual(['linus-t']);
    expect(hub.member('linus-t')?.role).toBe('no_access');
    await expect(
      reconcile(ports, h.config, { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 'me' }),
    ).rejects.toThrow(/Another run \(some-org-run\) holds the reconcile lease/);
  });
});
