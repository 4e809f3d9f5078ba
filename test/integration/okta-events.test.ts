import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleOktaEvents, type EventPorts } from '../../shared/offboarding/handle-okta-events.js';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import { EventBridgeStandIn } from '../../sandbox/aws/eventbridge-stand-in.js';
import { addLinkedPeople } from '../helpers/cli-sandbox.js';
import { startEventHarness, type Harness } from '../helpers/harness.js';

/** Event-driven offboarding through the real adapters, the Okta and Hub stand-ins, dynalite and EventBridge. */

let h: Harness;
let bus: EventBridgeStandIn;
let ports: EventPorts;

beforeEach(async () => {
  ({ h, bus, ports } = await startEventHarness());
});
afterEach(async () => {
  await h.stop();
});

const rolePuts = () => h.sandbox.hub.count(/\/members\/[^/]+\/role$/, 'PUT');

describe('Okta events', () => {
  it('a deactivation removes access at once, in three Okta/Hub calls, and is announced', async () => {
    const { okta, hub } = h.sandbox;
    hub.member('grace-h')!.role = 'write';
    // What the organization's runs have learnt is in state: here, that no resource group is SCIM-managed.
    await ports.state.putScimManagedResourceGroups('acme', [], new Date());
    const event = okta.deactivate(okta.userByLogin('grace@acme.example').id);
    const before = { okta: okta.calls.length, hub: hub.calls.length };
    const result = await handleOktaEvents(ports, h.config, [event], 'eventbridge');
    expect(result.outcomes).toEqual([expect.objectContaining({ uuid: event.uuid, outcome: 'processed' })]);
    expect(hub.member('grace-h')?.role).toBe('no_access');
    expect(hub.memberResourceGroups('grace-h')).toEqual({});
    expect(okta.calls.length - before.okta + hub.calls.length - before.hub).toBe(3);
    expect(bus.received).toEqual([
      expect.objectContaining({
        source: 'hf-iam-sync',
        detailType: 'hf-iam-sync.MemberOffboarded',
        detail: expect.objectContaining({
          user: 'grace-h',
          oktaLogin: 'grace@acme.example',
          reasons: [expect.stringContaining('DEPROVISIONED')],
          triggeredBy: [expect.objectContaining({ uuid: event.uuid, eventType: 'user.lifecycle.deactivate' })],
        }),
      }),
    ]);
    const trail = await ports.state.listChanges({ organization: 'acme', user: 'grace-h', limit: 5 });
    expect(trail[0]).toMatchObject({ trigger: 'event', actor: 'eventbridge:admin@acme.example', outcome: 'applied', action: 'remove' });
  });

  it('a bus that refuses MemberOffboarded does not lose it: it waits in the outbox and the next delivery publishes it, once', async () => {
    const { okta, hub } = h.sandbox;
    bus.inject({ method: 'POST', path: /^\/$/, status: 500, times: 10 }); // more than the SDK's own retries
    const first = await handleOktaEvents(ports, h.config, [okta.deactivate(okta.userByLogin('linus@acme.example').id)], 'eventbridge');
    expect(hub.member('linus-t')?.role).toBe('no_access');
    expect(first.outcomes[0]!.detail).toMatch(/MemberOffboarded not published yet .* it stays in the outbox/);
    expect(first.outbox).toMatchObject({ published: 0, left: 1 });
    expect(bus.received).toEqual([]);
    bus.clearFaults();
    // Any later delivery (or poll) drains the outbox, whatever it carries.
    const later = await handleOktaEvents(
      ports,
      h.config,
      [okta.emit('user.lifecycle.suspend', [okta.userByLogin('barbara@acme.example')])],
      'eventbridge',
    );
    expect(later.outbox).toMatchObject({ published: 1, left: 0 });
    await handleOktaEvents(ports, h.config, [], 'poll');
    expect(bus.received.map((e) => `${e.detailType}:${e.detail.user}`)).toEqual(['hf-iam-sync.MemberOffboarded:linus-t']);
  });

  it('a burst of 60 deactivations in one delivery reads Okta with a few filter calls, not 60, and offboards everyone', async () => {
    const { okta, hub } = h.sandbox;
    const people = addLinkedPeople(h.sandbox, 60, 'hf-acme-write', 'write');
    const events = people.map((p) => okta.deactivate(p.id));
    const before = okta.calls.length;
    const result = await handleOktaEvents(ports, h.config, events, 'eventbridge');
    expect(result.outcomes.every((o) => o.outcome === 'processed')).toBe(true);
    expect(people.map((_, i) => hub.member(`p${i}`)?.role).every((r) => r === 'no_access')).toBe(true);
    const reads = okta.calls.slice(before).filter((c) => c.method === 'GET' && c.path.startsWith('/api/v1/users'));
    expect(reads.length).toBeLessThanOrEqual(30); // one GET per person would be 60
    expect(reads.filter((c) => c.path === '/api/v1/users').length).toBeGreaterThan(0);
    expect(bus.received.filter((e) => e.detailType === 'hf-iam-sync.MemberOffboarded')).toHaveLength(60);
  });

  it('the same event delivered three times, through different ways in, changes the Hub once', async () => {
    const { okta } = h.sandbox;
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    const results = [
      await handleOktaEvents(ports, h.config, [event], 'eventbridge'),
      await handleOktaEvents(ports, h.config, [event, event], 'hook'),
      await handleOktaEvents(ports, h.config, [event], 'poll'),
    ];
    expect(results.flatMap((r) => r.outcomes.map((o) => o.outcome))).toEqual(['processed', 'duplicate', 'duplicate']);
    expect(rolePuts()).toBe(1);
    expect(bus.received).toHaveLength(1);
  });

  it('the same event twice in one delivery is handled once', async () => {
    const { okta } = h.sandbox;
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    const result = await handleOktaEvents(ports, h.config, [event, event], 'hook');
    expect(result.outcomes).toEqual([expect.objectContaining({ uuid: event.uuid, outcome: 'processed' })]);
    expect(rolePuts()).toBe(1);
  });

  it('a stale, older membership add after a deactivation leaves the user offboarded', async () => {
    const { okta, hub } = h.sandbox;
    const grace = okta.userByLogin('grace@acme.example');
    const stale = okta.emit('group.user_membership.add', [grace, okta.groupByName('hf-acme-write')], {
      published: new Date(Date.now() - 60_000),
    });
    const deactivate = okta.deactivate(grace.id);
    await handleOktaEvents(ports, h.config, [deactivate], 'eventbridge');
    await handleOktaEvents(ports, h.config, [stale], 'eventbridge');
    expect(hub.member('grace-h')?.role).toBe('no_access');
  });

  it('500 events for 20 users become at most 20 targeted reconciles', async () => {
    const { okta, hub } = h.sandbox;
    const people = addLinkedPeople(h.sandbox, 20, 'hf-acme-write');
    const events = Array.from({ length: 500 }, (_, i) => okta.emit('user.account.update_profile', [people[i % 20]!]));
    const result = await handleOktaEvents(ports, h.config, events, 'hook');
    expect(result.reconciles).toBeLessThanOrEqual(20);
    expect(result.outcomes.filter((o) => o.outcome === 'processed')).toHaveLength(500);
    expect(people.every((_, i) => hub.member(`p${i}`)?.role === 'write')).toBe(true);
  });

  it('a malformed event, an unknown user and an unlinked user get clear outcomes; the rest of the batch goes through', async () => {
    const { okta, hub } = h.sandbox;
    const good = okta.deactivate(okta.userByLogin('alan@acme.example').id);
    const unknown = {
      ...okta.emit('user.lifecycle.deactivate', []),
      target: [{ id: '00uNOBODY00000000000', type: 'User', alternateId: 'ghost@acme.example' }],
    };
    // A User target whose id is a Hub username, not an Okta id: refused, never looked up as a username.
    const foreignId = {
      ...okta.emit('user.lifecycle.deactivate', []),
      target: [{ id: 'linus-t', type: 'User', alternateId: 'linus@acme.example' }],
    };
    const unlinked = okta.emit('user.lifecycle.suspend', [okta.userByLogin('barbara@acme.example')]);
    const noTarget = { ...okta.emit('user.lifecycle.suspend', []), target: [] };
    const failedLogin = okta.emit('user.lifecycle.deactivate', [okta.userByLogin('ken@acme.example')], { result: 'FAILURE' });
    const result = await handleOktaEvents(
      ports,
      h.config,
      [{ hello: 'world' }, noTarget, unknown, foreignId, unlinked, failedLogin, good],
      'hook',
    );
    const by = (uuid: unknown) => result.outcomes.find((o) => o.uuid === uuid);
    expect(result.outcomes[0]).toEqual({ uuid: null, outcome: 'rejected', detail: 'the event has no uuid' });
    expect(by(noTarget.uuid)).toMatchObject({ outcome: 'rejected', detail: 'user.lifecycle.suspend has no target of type User' });
    expect(by(unknown.uuid)).toMatchObject({ outcome: 'processed', detail: expect.stringContaining('0 change(s)') });
    expect(by(foreignId.uuid)).toMatchObject({
      outcome: 'rejected',
      detail:
        'user.lifecycle.deactivate: target User id "linus-t" is not an Okta user id (00u followed by 17 letters or digits); check what sends these events',
    });
    expect(hub.member('linus-t')?.role).toBe('write');
    expect(by(unlinked.uuid)).toMatchObject({ outcome: 'processed', detail: expect.stringContaining('0 change(s)') });
    expect(by(failedLogin.uuid)).toMatchObject({ outcome: 'ignored', detail: 'outcome is FAILURE, not SUCCESS' });
    expect(by(good.uuid)).toMatchObject({ outcome: 'processed', detail: expect.stringContaining('1 change(s)') });
    expect(hub.member('alan-t')?.role).toBe('no_access');
  });

  it('a failed reconcile gives the claim back, so a retry processes the event', async () => {
    const { okta, hub } = h.sandbox;
    const event = okta.deactivate(okta.userByLogin('linus@acme.example').id);
    hub.inject({ method: 'PUT', path: /\/members\/linus-t\/role$/, status: 500, times: 4 });
    const first = await handleOktaEvents(ports, h.config, [event], 'eventbridge');
    expect(first.outcomes[0]).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('HTTP 500') });
    expect(hub.member('linus-t')?.role).toBe('write');
    const retry = await handleOktaEvents(ports, h.config, [event], 'eventbridge');
    expect(retry.outcomes[0]?.outcome).toBe('processed');
    expect(hub.member('linus-t')?.role).toBe('no_access');
  });

  it('re-activation in Okta restores the role on the next event, and the resource group no rule manages', async () => {
    const { okta, hub } = h.sandbox;
    const grace = okta.userByLogin('grace@acme.example');
    await handleOktaEvents(ports, h.config, [okta.deactivate(grace.id)], 'eventbridge');
    okta.setStatus(grace.id, 'ACTIVE');
    await handleOktaEvents(ports, h.config, [okta.emit('user.lifecycle.reactivate', [grace])], 'eventbridge');
    expect(hub.member('grace-h')?.role).toBe('write');
    // vision was given by hand (no rule manages it); the offboarding recorded it, so it comes back.
    expect(hub.memberResourceGroups('grace-h')).toEqual({ llm: 'write', vision: 'read' });
  });

  it('a mapped group event reconciles the organization; a deleted mapped group is reported, not read as everyone left', async () => {
    const { okta, hub } = h.sandbox;
    const write = okta.groupByName('hf-acme-write');
    okta.groups.delete(write.id);
    okta.memberships.delete(write.id);
    const event = okta.emit('group.lifecycle.delete', [write]);
    const result = await handleOktaEvents(ports, h.config, [event], 'eventbridge');
    expect(result.reconciles).toBe(1);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'processed', detail: expect.stringContaining(': failed, 0 change(s)') });
    expect(hub.member('mhamilton')?.role).toBe('contributor');
    expect(rolePuts()).toBe(0);
  });

  it('revokes the org access of tokens this system issued for the person, and says so', async () => {
    const { okta, hub } = h.sandbox;
    const grace = okta.userByLogin('grace@acme.example');
    hub.addToken('hf_issued_for_grace_value', { id: 'tok-grace-1', user: 'grace-h', admin: false, kind: 'user' });
    await ports.state.recordIssuedToken('acme', {
      tokenId: 'tok-grace-1',
      oktaUserId: grace.id,
      user: 'grace-h',
      label: 'grace-ci',
      last4: 'alue',
      issuedAt: new Date().toISOString(),
    });
    const orgAccess = async () =>
      (
        await fetch(`${hub.baseUrl}/api/organizations/acme/resource-groups`, {
          headers: { authorization: 'Bearer hf_issued_for_grace_value' },
        })
      ).status;
    expect(await orgAccess()).toBe(200);
    await handleOktaEvents(ports, h.config, [okta.deactivate(grace.id)], 'eventbridge');
    expect(await orgAccess()).toBe(403);
    expect(bus.received[0]?.detail).toMatchObject({
      user: 'grace-h',
      action: 'remove',
      revokedTokens: [{ tokenId: 'tok-grace-1', last4: 'alue', label: 'grace-ci' }],
    });
    expect(await ports.state.listIssuedTokens('acme', grace.id)).toEqual([]);
    const trail = await ports.state.listChanges({ organization: 'acme', user: 'grace-h', limit: 5 });
    expect(trail.map((t) => t.action).sort()).toEqual(['remove', 'revoke-token']);
    expect(trail.find((t) => t.action === 'revoke-token')).toMatchObject({
      token: { tokenId: 'tok-grace-1', last4: 'alue', label: 'grace-ci' },
      outcome: 'applied',
    });
    expect(JSON.stringify(trail)).not.toContain('hf_issued_for_grace_value');
  });
});

describe('people who disappear', () => {
  it('a managed member whose Okta user was deleted loses access on the delete event, found through our state', async () => {
    const { okta, hub } = h.sandbox;
    await reconcile(h.composition.ports, h.config, { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 't' });
    expect(hub.member('grace-h')?.role).toBe('write');
    const grace = okta.userByLogin('grace@acme.example');
    const event = okta.emit('user.lifecycle.delete.initiated', [grace]);
    okta.deleteUser(grace.id);
    const result = await handleOktaEvents(ports, h.config, [event], 'eventbridge');
    expect(result.outcomes).toEqual([expect.objectContaining({ outcome: 'processed', detail: expect.stringContaining('1 change(s)') })]);
    expect(hub.member('grace-h')?.role).toBe('no_access');
    expect(bus.received).toContainEqual(
      expect.objectContaining({ detailType: 'hf-iam-sync.MemberOffboarded', detail: expect.objectContaining({ user: 'grace-h' }) }),
    );
  });

  it('a managed member whose Okta username attribute now names someone else loses access under the old name', async () => {
    const { okta, hub } = h.sandbox;
    await reconcile(h.composition.ports, h.config, { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 't' });
    const grace = okta.userByLogin('grace@acme.example');
    grace.profile.hfUsername = 'grace-hopper';
    const result = await handleOktaEvents(ports, h.config, [okta.emit('user.account.update_profile', [grace])], 'eventbridge');
    expect(result.outcomes[0]).toMatchObject({ outcome: 'processed' });
    expect(hub.member('grace-h')?.role).toBe('no_access');
  });
});
