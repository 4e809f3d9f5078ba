import { describe, expect, it } from 'vitest';
import { handleOktaEvents } from '../../../shared/offboarding/handle-okta-events.js';
import type { DirectoryUser } from '../../../shared/domain/types.js';
import { useCaseWorld, type UseCaseWorld } from '../../fakes/use-case-world.js';

let uuids = 0;
/** A System Log event as Okta publishes it, reduced to the fields the sync reads. */
function logEvent(eventType: string, user: DirectoryUser, published = '2026-12-07T08:59:58.000Z') {
  return {
    uuid: `e${String(++uuids).padStart(7, '0')}-0000-11ee-8000-000000000000`,
    eventType,
    published,
    outcome: { result: 'SUCCESS' },
    actor: { alternateId: 'admin@acme.example', type: 'User' },
    target: [{ id: user.id, type: 'User', alternateId: user.login, displayName: user.displayName }],
  };
}

function world(): { w: UseCaseWorld; bob: DirectoryUser; carol: DirectoryUser } {
  const w = useCaseWorld();
  w.directory.person('root-admin', ['hf-acme-admin']);
  w.hub.member('root-admin', 'admin');
  const bob = w.directory.person('bob', ['hf-acme-write']);
  const carol = w.directory.person('carol', ['hf-acme-write']);
  w.hub.member('bob', 'write');
  w.hub.member('carol', 'write');
  return { w, bob, carol };
}

describe('handleOktaEvents', () => {
  it('offboards a deactivated person, publishes MemberOffboarded with its Okta cause, and marks the event done', async () => {
    const { w, bob } = world();
    w.directory.setStatus(bob.id, 'DEPROVISIONED');
    const event = logEvent('user.lifecycle.deactivate', bob);
    const result = await handleOktaEvents(w.ports, w.config, [event], 'eventbridge');
    expect(result.outcomes).toEqual([expect.objectContaining({ uuid: event.uuid, outcome: 'processed' })]);
    expect(result.offboarded).toEqual(['bob']);
    expect(w.hub.writes).toEqual(['set bob no_access']);
    expect(w.events.published).toEqual([
      expect.objectContaining({ detailType: 'hf-iam-sync.MemberOffboarded', detail: expect.objectContaining({ user: 'bob' }) }),
    ]);
    expect(w.table.get(`EVENT#${event.uuid}`, 'EVENT')?.status).toBe('done');
    expect(await w.ports.state.listOutbox('acme')).toEqual([]);
    const [change] = await w.ports.state.listChanges({ organization: 'acme', user: 'bob', limit: 5 });
    expect(change?.oktaEvent).toEqual({ uuid: event.uuid, published: event.published });
  });

  it('a second delivery of the same event (another way in) is a duplicate: no second run, no second write', async () => {
    const { w, bob } = world();
    w.directory.setStatus(bob.id, 'DEPROVISIONED');
    const event = logEvent('user.lifecycle.deactivate', bob);
    await handleOktaEvents(w.ports, w.config, [event], 'eventbridge');
    const again = await handleOktaEvents(w.ports, w.config, [event], 'hook');
    expect(again.outcomes).toEqual([expect.objectContaining({ uuid: event.uuid, outcome: 'duplicate' })]);
    expect(again.reconciles).toBe(0);
    expect(w.hub.writes).toEqual(['set bob no_access']);
    expect(w.events.published).toHaveLength(1);
  });

  it('rejects a malformed event with why, and still offboards the rest of the batch', async () => {
    const { w, bob, carol } = world();
    w.directory.setStatus(bob.id, 'SUSPENDED');
    w.directory.setStatus(carol.id, 'DEPROVISIONED');
    const broken = { ...logEvent('user.lifecycle.deactivate', bob), target: [{ id: 'linus-t', type: 'User' }] };
    const result = await handleOktaEvents(
      w.ports,
      w.config,
      [broken, logEvent('user.lifecycle.suspend', bob), logEvent('user.lifecycle.deactivate', carol)],
      'hook',
    );
    expect(result.outcomes.find((o) => o.uuid === broken.uuid)).toMatchObject({
      outcome: 'rejected',
      detail: expect.stringContaining('linus-t'),
    });
    expect(result.offboarded.sort()).toEqual(['bob', 'carol']);
  });

  it('a failed person run gives its claim back, so the retry offboards the person', async () => {
    const { w, bob } = world();
    w.directory.setStatus(bob.id, 'DEPROVISIONED');
    const event = logEvent('user.lifecycle.deactivate', bob);
    w.hub.failNext('findMember', new Error('Hub answered 502'));
    const first = await handleOktaEvents(w.ports, w.config, [event], 'eventbridge');
    expect(first.outcomes).toEqual([expect.objectContaining({ uuid: event.uuid, outcome: 'failed' })]);
    expect(w.table.get(`EVENT#${event.uuid}`, 'EVENT')).toBeUndefined();
    expect(w.hub.writes).toEqual([]);
    const retry = await handleOktaEvents(w.ports, w.config, [event], 'eventbridge');
    expect(retry.outcomes).toEqual([expect.objectContaining({ outcome: 'processed' })]);
    expect(w.hub.writes).toEqual(['set bob no_access']);
  });

  it('an event about someone who keeps access changes nothing and publishes nothing', async () => {
    const { w, carol } = world();
    const result = await handleOktaEvents(w.ports, w.config, [logEvent('user.account.update_profile', carol)], 'poll');
    expect(result.outcomes).toEqual([expect.objectContaining({ outcome: 'processed' })]);
    expect(w.hub.writes).toEqual([]);
    expect(w.events.published).toEqual([]);
  });
});
