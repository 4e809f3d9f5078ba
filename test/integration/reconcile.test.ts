import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcile, type ReconcileRequest } from '../../shared/reconcile/reconcile.js';
import { IncompleteReadError, LeaseHeldError } from '../../shared/runtime/errors.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * The engine end to end, through the real adapters: the Okta SDK and our Hub client over HTTP
 * against the stand-ins, state in dynalite through the AWS SDK. The sample company is described
 * in sandbox/seed.ts.
 */

let h: Harness;
const apply: Omit<ReconcileRequest, 'approval'> = { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 'test' };
const plan: Omit<ReconcileRequest, 'approval'> = { ...apply, dryRun: true };
const rolePuts = () => h.sandbox.hub.count(/\/members\/[^/]+\/role$/, 'PUT');

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

describe('reconcile against the sandbox', () => {
  it('leavers lose access first, and the organization stays administered at every point: admin grants before any admin leaves', async () => {
    const { okta, hub } = h.sandbox;
    // Ada, an admin, leaves; Edsger becomes the new admin (he is a member with read today).
    okta.setStatus(okta.userByLogin('ada@acme.example').id, 'DEPROVISIONED');
    okta.addToGroup(okta.groupByName('hf-acme-admin').id, okta.userByLogin('edsger@acme.example').id);
    hub.addMember('edsger-d', 'read');
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    expect(outcome.result?.failed).toEqual([]);
    const puts = hub.calls.filter((c) => c.method === 'PUT' && /\/role$/.test(c.path));
    const order = puts.map((c) => c.path.split('/')[5]!);
    // The organization's admins after each role change, in the order the Hub received them.
    const admins = new Set(['root-admin', 'ada-acme']);
    let fewestAdmins = admins.size;
    for (const put of puts) {
      const user = put.path.split('/')[5]!;
      if ((put.body as { role?: string }).role === 'admin') admins.add(user);
      else admins.delete(user);
      fewestAdmins = Math.min(fewestAdmins, admins.size);
    }
    const at = (user: string) => order.indexOf(user);
    // Non-admin leavers before every grant or upgrade; the admin who leaves after the new admin.
    for (const leaver of ['linus-t', 'kthompson', 'alan-t'])
      for (const gainer of ['grace-h', 'mhamilton', 'edsger-d']) expect(at(leaver)).toBeLessThan(at(gainer));
    expect(at('edsger-d')).toBeLessThan(at('ada-acme'));
    expect(at('ada-acme')).toBe(order.length - 1);
    expect(hub.member('ada-acme')?.role).toBe('no_access');
    expect(hub.member('edsger-d')?.role).toBe('admin');
    expect(fewestAdmins).toBeGreaterThanOrEqual(2); // root-admin + (ada until edsger is admin)
  });

  it('applies the sample company: highest role wins, leavers and movers lose access, unmanaged resource groups survive', async () => {
    // Act
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    // Assess
    const hub = h.sandbox.hub;
    expect(outcome.result?.failed).toEqual([]);
    expect(hub.member('mhamilton')?.role).toBe('write'); // hf-acme-read + hf-acme-write
    expect(hub.member('grace-h')?.role).toBe('write');
    expect(hub.memberResourceGroups('grace-h')).toEqual({ vision: 'read', llm: 'write' }); // vision resent, llm added
    expect(hub.member('linus-t')?.role).toBe('no_access'); // DEPROVISIONED
    expect(hub.memberResourceGroups('linus-t')).toEqual({});
    expect(hub.member('kthompson')?.role).toBe('no_access'); // SUSPENDED
    expect(hub.member('alan-t')?.role).toBe('no_access'); // linked, in no mapped group
    expect(hub.member('root-admin')?.role).toBe('admin'); // protected
    expect(hub.member('consultant')?.role).toBe('read'); // unmanaged, reported only
    expect(outcome.plan.blocked.map((b) => [b.change.user, b.guard])).toEqual([['root-admin', 'protected-user']]);
    expect(outcome.outcome).toBe('blocked');
  });

  it('is idempotent: apply, then plan shows no changes and makes no Hub write', async () => {
    await reconcile(h.composition.ports, h.config, apply);
    const putsAfterApply = rolePuts();
    const second = await reconcile(h.composition.ports, h.config, plan);
    expect(second.plan.changes).toEqual([]);
    expect(rolePuts()).toBe(putsAfterApply);
  });

  it('a plan writes nothing anywhere', async () => {
    const { plan: p } = await reconcile(h.composition.ports, h.config, plan);
    expect(p.changes.length).toBeGreaterThan(0);
    expect(rolePuts()).toBe(0);
    expect(await h.composition.ports.state.listChanges({ organization: 'acme', limit: 10 })).toEqual([]);
  });

  it('records every run and change, with before, after, reason and outcome, in DynamoDB', async () => {
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    const state = h.composition.ports.state;
    const run = await state.getRun(outcome.runId);
    expect(run).toMatchObject({
      outcome: 'blocked',
      trigger: 'cli',
      actor: 'test',
      applied: 5,
      failed: 0,
      planSummary: { change: 2, remove: 3, blocked: 1 },
    });
    const trail = await state.listChanges({ organization: 'acme', user: 'linus-t', limit: 10 });
    expect(trail).toEqual([
      expect.objectContaining({
        runId: outcome.runId,
        action: 'remove',
        outcome: 'applied',
        before: expect.objectContaining({ role: 'write' }),
        after: { role: 'no_access', resourceGroups: [] },
        reasons: [expect.stringContaining('DEPROVISIONED')],
      }),
    ]);
    expect(await state.listChanges({ organization: 'acme', limit: 100 })).toHaveLength(5);
    // Claimed members are recorded as managed even when nothing changed for them.
    expect(await state.getManaged('acme', 'ada-acme')).toMatchObject({ role: 'admin' });
  });

  it('keeps managing a member after its Okta user is deleted (state remembers), on the next run', async () => {
    await reconcile(h.composition.ports, h.config, apply);
    const okta = h.sandbox.okta;
    okta.deleteUser(okta.userByLogin('grace@acme.example').id);
    const next = await reconcile(h.composition.ports, h.config, apply);
    expect(next.plan.changes.map((c) => [c.user, c.effect])).toEqual([['grace-h', 'revoke']]);
    expect(h.sandbox.hub.member('grace-h')?.role).toBe('no_access');
  });

  it('reads multi-page Okta groups and Hub member lists through Link headers', async () => {
    const { okta, hub } = h.sandbox;
    okta.maxPageSize = 2;
    hub.maxPageSize = 3;
    const write = okta.groupByName('hf-acme-write');
    for (let i = 0; i < 7; i += 1) {
      const u = okta.addUser({ login: `bulk${i}@acme.example`, profile: { hfUsername: `bulk${i}` } });
      okta.addToGroup(write.id, u.id);
      hub.addMember(`bulk${i}`, 'read');
    }
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    expect(Array.from({ length: 7 }, (_, i) => hub.member(`bulk${i}`)?.role)).toEqual(Array(7).fill('write'));
    expect(outcome.plan.unmanaged.map((u) => u.user)).toEqual(['consultant']);
    expect(okta.count(new RegExp(`/api/v1/groups/${write.id}/users`))).toBeGreaterThanOrEqual(5);
    expect(hub.count(/\/members$/, 'GET')).toBeGreaterThanOrEqual(Math.ceil(hub.members.size / 3));
  });

  it('waits out a 429 from Okta (X-Rate-Limit-Reset) and from the Hub (RateLimit t=) and completes', async () => {
    const { okta, hub } = h.sandbox;
    const reset = String(Math.floor(Date.now() / 1000) + 1);
    okta.inject({
      path: /\/api\/v1\/groups\/.+\/users/,
      status: 429,
      headers: { 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset },
      body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
    });
    hub.inject({
      path: /\/members$/,
      status: 429,
      headers: { ratelimit: '"api";r=0;t=1', 'ratelimit-policy': '"fixed window";"api";q=6000;w=300' },
      body: { error: 'rate limited' },
    });
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    expect(outcome.result?.failed).toEqual([]);
    expect(okta.calls.filter((c) => c.status === 429)).toHaveLength(1);
    expect(hub.calls.filter((c) => c.status === 429)).toHaveLength(1);
    expect(hub.member('linus-t')?.role).toBe('no_access');
  });

  it('retries a passing 5xx on an Okta page', async () => {
    h.sandbox.okta.inject({
      path: /\/api\/v1\/groups\/.+\/users/,
      status: 503,
      times: 2,
      body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error' },
    });
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    expect(outcome.result?.applied).toHaveLength(5);
  });

  it('aborts before any write when an Okta page keeps failing with 5xx', async () => {
    h.sandbox.okta.inject({
      path: /\/api\/v1\/users$/,
      status: 500,
      times: 100,
      skip: 0,
      body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error' },
    });
    const attempt = reconcile(h.composition.ports, h.config, apply);
    await expect(attempt).rejects.toThrowError(IncompleteReadError);
    await expect(attempt).rejects.toThrowError(/Reading Okta users and group members failed, so nothing was changed: okta: .*HTTP 500/);
    expect(rolePuts()).toBe(0);
    expect(await h.composition.ports.state.listChanges({ organization: 'acme', limit: 10 })).toEqual([]);
  });

  it('aborts before any write when the Hub member list fails', async () => {
    h.sandbox.hub.inject({ path: /\/members$/, status: 502, times: 100 });
    await expect(reconcile(h.composition.ports, h.config, apply)).rejects.toThrowError(/Hub members failed.*HTTP 502/);
    expect(rolePuts()).toBe(0);
  });

  it('keeps going past a failed change and reports it per change', async () => {
    h.sandbox.hub.inject({
      method: 'PUT',
      path: /\/members\/kthompson\/role$/,
      status: 400,
      body: { error: 'Cannot change this member' },
      times: 10,
    });
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    expect(outcome.outcome).toBe('partial');
    expect(outcome.result?.failed).toEqual([
      expect.objectContaining({ user: 'kthompson', error: expect.stringContaining('Cannot change this member') }),
    ]);
    expect(outcome.result?.applied).toHaveLength(4);
    const trail = await h.composition.ports.state.listChanges({ organization: 'acme', user: 'kthompson', limit: 5 });
    expect(trail[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('HTTP 400') });
  });

  it('blocks removals over maxRemovals and still applies upgrades', async () => {
    const strict = await startHarness({ configure: (t) => t.replace('maxRemovals: 10', 'maxRemovals: 2') });
    try {
      const outcome = await reconcile(strict.composition.ports, strict.config, apply);
      expect(
        outcome.plan.blocked
          .filter((b) => b.guard === 'max-removals')
          .map((b) => b.change.user)
          .sort(),
      ).toEqual(['alan-t', 'kthompson', 'linus-t']);
      expect(strict.sandbox.hub.member('linus-t')?.role).toBe('write');
      expect(strict.sandbox.hub.member('mhamilton')?.role).toBe('write');
    } finally {
      await strict.stop();
    }
  });

  it('never lets two runs on one organization overlap', async () => {
    const ports = h.composition.ports;
    await ports.state.acquireLease('acme', 'other-run', 60_000, new Date());
    await expect(reconcile(ports, h.config, apply)).rejects.toThrowError(LeaseHeldError);
    expect(rolePuts()).toBe(0);
    await ports.state.releaseLease('acme', 'other-run');
    const results = await Promise.allSettled([reconcile(ports, h.config, apply), reconcile(ports, h.config, apply)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(LeaseHeldError);
  });

  it('takes over a lease whose holder died (expired)', async () => {
    await h.composition.ports.state.acquireLease('acme', 'crashed-run', 1_000, new Date(Date.now() - 60_000));
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    expect(outcome.result?.applied.length).toBe(5);
  });

  it('stops writing the moment its lease is taken over by another run, and reports the rest not attempted', async () => {
    const { hub } = h.sandbox;
    hub.latencyMs = 150;
    const running = reconcile(h.composition.ports, h.config, { ...apply, execution: { concurrency: 1, leaseHeartbeatMs: 600 } });
    while (hub.count(/\/role$/, 'PUT') === 0) await new Promise((r) => setTimeout(r, 10));
    // Another run takes the lease over (as it would once ours looked expired).
    await h.composition.ports.state.acquireLease('acme', 'newer-run', 60_000, new Date(Date.now() + 3_600_000));
    const putsAtTheft = hub.count(/\/role$/, 'PUT');
    const outcome = await running;
    expect(outcome.result!.failed.length).toBeGreaterThan(0);
    expect(outcome.result!.failed.at(-1)!.error).toMatch(/^not attempted: The reconcile lease for "acme" was taken over by another run/);
    // At most the writes already under way when the next renewal (every 200 ms) noticed.
    expect(hub.count(/\/role$/, 'PUT') - putsAtTheft).toBeLessThanOrEqual(2);
    expect(outcome.outcome).not.toBe('succeeded');
  });

  it('reconciles one user by Okta login, touching nobody else', async () => {
    const outcome = await reconcile(h.composition.ports, h.config, { ...apply, scope: { kind: 'user', user: 'linus@acme.example' } });
    expect(outcome.plan.changes.map((c) => c.user)).toEqual(['linus-t']);
    expect(h.sandbox.hub.member('linus-t')?.role).toBe('no_access');
    expect(h.sandbox.hub.member('alan-t')?.role).toBe('write');
    expect(outcome.plan.unmanaged).toEqual([]);
  });

  it('guards the last admin in a one-user run too', async () => {
    const { okta, hub } = h.sandbox;
    hub.member('root-admin')!.role = 'write';
    okta.removeFromGroup(okta.groupByName('hf-acme-admin').id, okta.userByLogin('ada@acme.example').id);
    const outcome = await reconcile(h.composition.ports, h.config, { ...apply, scope: { kind: 'user', user: 'ada-acme' } });
    expect(outcome.plan.blocked.map((b) => b.guard)).toEqual(['last-admin']);
    expect(hub.member('ada-acme')?.role).toBe('admin');
  });

  it('refuses an errored plan: a rule naming a missing Okta group stops the run', async () => {
    const broken = await startHarness({ configure: (t) => t.replace('group: hf-acme-write,', 'group: hf-acme-wirte,') });
    try {
      const outcome = await reconcile(broken.composition.ports, broken.config, apply);
      expect(outcome.outcome).toBe('failed');
      expect(outcome.plan.diagnostics[0]?.summary).toBe('Rule group "hf-acme-wirte" does not exist in Okta');
      expect(broken.sandbox.hub.count(/\/role$/, 'PUT')).toBe(0);
    } finally {
      await broken.stop();
    }
  });

  it('links by SSO email when okta.emailFallback is on, for the organization and for one user', async () => {
    const linked = await startHarness({
      configure: (t) => t.replace('usernameAttribute: hfUsername', 'usernameAttribute: hfUsername\n  emailFallback: true'),
    });
    try {
      linked.sandbox.hub.addMember('barbara-hf', 'read').email = 'barbara@acme.example';
      const one = await reconcile(linked.composition.ports, linked.config, {
        ...plan,
        scope: { kind: 'user', user: 'barbara@acme.example' },
      });
      expect(one.plan.changes.map((c) => [c.user, c.after?.role])).toEqual([['barbara-hf', 'write']]);
      const all = await reconcile(linked.composition.ports, linked.config, apply);
      expect(all.plan.unlinked).toEqual([]);
      expect(linked.sandbox.hub.member('barbara-hf')?.role).toBe('write');
    } finally {
      await linked.stop();
    }
  });
});
