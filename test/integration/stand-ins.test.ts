import { whoAmI } from '@huggingface/hub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import { SANDBOX_HF_TOKEN } from '../../sandbox/seed.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * The stand-ins checked by code we did not write (@huggingface/hub's whoAmI; the Okta SDK is used
 * throughout), the Hub's own quirks the engine depends on, and the SCIM membership modes.
 */

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

describe('Hub stand-in', () => {
  it('answers @huggingface/hub whoAmI as the Hub does', async () => {
    const me = await whoAmI({ accessToken: SANDBOX_HF_TOKEN, hubUrl: h.sandbox.hub.baseUrl });
    expect(me).toMatchObject({ type: 'user', name: 'root-admin', orgs: [expect.objectContaining({ name: 'acme', roleInOrg: 'admin' })] });
    expect(me.auth.type).toBe('access_token');
    await expect(whoAmI({ accessToken: 'hf_nope', hubUrl: h.sandbox.hub.baseUrl })).rejects.toThrowError(/Invalid credentials/);
  });

  it('drops every resource group a role PUT does not resend (the trap the engine avoids)', async () => {
    const res = await fetch(`${h.sandbox.hub.baseUrl}/api/organizations/acme/members/grace-h/role`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${SANDBOX_HF_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'write' }),
    });
    expect(await res.json()).toEqual({ success: true });
    expect(h.sandbox.hub.memberResourceGroups('grace-h')).toEqual({});
  });

  it('sends RateLimit headers and a 429 with t= when the fixed window is spent', async () => {
    h.sandbox.hub.quota = 2;
    const get = () => fetch(`${h.sandbox.hub.baseUrl}/api/whoami-v2`, { headers: { authorization: `Bearer ${SANDBOX_HF_TOKEN}` } });
    const first = await get();
    expect(first.headers.get('ratelimit')).toMatch(/^"api";r=1;t=\d+$/);
    expect(first.headers.get('ratelimit-policy')).toBe('"fixed window";"api";q=2;w=300');
    await get();
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/);
  });
});

describe('SCIM-managed resource groups', () => {
  it('are left exactly as they are and reported; a leaver keeps them (only SCIM can remove them) and the rest of the run goes through', async () => {
    const { hub } = h.sandbox;
    for (const name of ['llm', 'vision']) hub.scimManagedResourceGroups.add(hub.resourceGroupByName(name).id);
    const outcome = await reconcile(h.composition.ports, h.config, {
      dryRun: false,
      scope: { kind: 'organization' },
      trigger: 'cli',
      actor: 't',
    });
    expect(outcome.result?.failed).toEqual([]);
    expect(outcome.plan.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'scim-managed-resource-group', summary: expect.stringContaining('resource group llm is ignored') }),
    );
    expect(hub.member('linus-t')?.role).toBe('no_access');
    expect(hub.memberResourceGroups('linus-t')).toEqual({ llm: 'write' });
    const linus = outcome.plan.changes.find((c) => c.user === 'linus-t')!;
    expect(linus.reasons.join(' ')).toContain('keeps SCIM-managed resource group(s) llm');
    expect(hub.member('grace-h')?.role).toBe('write');
    expect(hub.memberResourceGroups('grace-h')).toEqual({ vision: 'read' });
    const again = await reconcile(h.composition.ports, h.config, {
      dryRun: true,
      scope: { kind: 'organization' },
      trigger: 'cli',
      actor: 't',
    });
    expect(again.plan.changes).toEqual([]);
    // The applying run recorded what it learnt, for one-user runs (offboarding) to read from state.
    expect(await h.composition.ports.state.getScimManagedResourceGroups('acme')).toEqual([...hub.scimManagedResourceGroups]);
  });

  it('a one-user offboarding of someone in a SCIM-managed group is not refused', async () => {
    const { hub, okta } = h.sandbox;
    hub.scimManagedResourceGroups.add(hub.resourceGroupByName('vision').id);
    okta.setStatus(okta.userByLogin('grace@acme.example').id, 'SUSPENDED');
    const outcome = await reconcile(h.composition.ports, h.config, {
      dryRun: false,
      scope: { kind: 'user', user: 'grace@acme.example' },
      trigger: 'cli',
      actor: 't',
    });
    expect(outcome.result?.failed).toEqual([]);
    expect(hub.member('grace-h')?.role).toBe('no_access');
    expect(hub.memberResourceGroups('grace-h')).toEqual({ vision: 'read' });
  });
});

describe('rate limits without RateLimit headers', () => {
  it('waits as long as Retry-After says: one 429, then the call goes through', async () => {
    const { hub } = h.sandbox;
    hub.rateLimitHeaders = 'retry-after-only';
    hub.windowSeconds = 2;
    hub.quota = 1;
    await h.composition.ports.hub.listResourceGroups();
    const groups = await h.composition.ports.hub.listResourceGroups();
    expect(groups.map((g) => g.name).sort()).toEqual(['llm', 'vision']);
    // Retrying after a guessed second would meet a second 429 inside the 2-second window.
    expect(hub.count(/resource-groups$/, 'GET')).toBe(3);
    expect(hub.calls.filter((c) => c.status === 429)).toHaveLength(1);
  });
});

describe('SCIM membership modes', () => {
  it('scim-managed: invites the missing, deactivates the leavers, then sets roles on the next run', async () => {
    const scim = await startHarness({ configure: (t) => t.replace('membership: roles', 'membership: scim-managed') });
    try {
      const { hub } = scim.sandbox;
      for (const user of ['linus-t', 'kthompson', 'alan-t']) hub.scimLink(user);
      const first = await reconcile(scim.composition.ports, scim.config, {
        dryRun: false,
        scope: { kind: 'organization' },
        trigger: 'cli',
        actor: 't',
      });
      expect(first.result?.failed).toEqual([]);
      expect(first.plan.changes.filter((c) => c.action.startsWith('scim')).map((c) => [c.user, c.action])).toEqual([
        ['dritchie', 'scim-invite'],
        ['alan-t', 'scim-deactivate'],
        ['kthompson', 'scim-deactivate'],
        ['linus-t', 'scim-deactivate'],
      ]);
      expect(hub.member('linus-t')).toBeUndefined();
      expect(hub.member('dritchie')?.role).toBe('read');
      const second = await reconcile(scim.composition.ports, scim.config, {
        dryRun: true,
        scope: { kind: 'organization' },
        trigger: 'cli',
        actor: 't',
      });
      expect(second.plan.changes).toEqual([]);
    } finally {
      await scim.stop();
    }
  });

  it('scim-basic: an invitation waits for the person, is never sent again, and the role follows once they join', async () => {
    const scim = await startHarness({ configure: (t) => t.replace('membership: roles', 'membership: scim-basic') });
    try {
      const { hub } = scim.sandbox;
      for (const user of ['linus-t', 'kthompson', 'alan-t']) hub.scimLink(user);
      const run = (dryRun: boolean) =>
        reconcile(scim.composition.ports, scim.config, { dryRun, scope: { kind: 'organization' }, trigger: 'cli', actor: 't' });
      const first = await run(false);
      expect(first.result?.failed).toEqual([]);
      expect(hub.scimUser('dritchie')).toMatchObject({ active: true, externalId: expect.stringMatching(/^00u/) });
      expect(hub.member('dritchie')).toBeUndefined();
      // Runs 2 and 3: the invitation is pending; a second POST would answer 409, so none is sent.
      for (let i = 0; i < 2; i += 1) {
        const again = await run(false);
        expect(again.plan.changes).toEqual([]);
        expect(again.plan.invited).toEqual([expect.objectContaining({ user: 'dritchie', oktaLogin: 'dennis@acme.example', role: 'read' })]);
        expect(again.result?.failed ?? []).toEqual([]);
      }
      expect(hub.count(/scim-provisioning\/v2\/Users$/, 'POST')).toBe(1);
      // One-user runs see the pending invitation too.
      const one = await reconcile(scim.composition.ports, scim.config, {
        dryRun: true,
        scope: { kind: 'user', user: 'dennis@acme.example' },
        trigger: 'cli',
        actor: 't',
      });
      expect(one.plan.changes).toEqual([]);
      expect(one.plan.invited.map((i) => i.user)).toEqual(['dritchie']);
      hub.acceptInvitation('dritchie');
      hub.changeRoleByHand('root-admin', 'dritchie', 'contributor');
      const joined = await run(false);
      expect(joined.plan.invited).toEqual([]);
      expect(joined.plan.changes.map((c) => [c.user, c.action, c.after?.role])).toEqual([['dritchie', 'set-role', 'read']]);
    } finally {
      await scim.stop();
    }
  });

  it('invites with a spec-valid SCIM payload: names from Okta, a one-word name filled in, an invalid username reported and not sent', async () => {
    const scim = await startHarness({ configure: (t) => t.replace('membership: roles', 'membership: scim-managed') });
    try {
      const { hub } = scim.sandbox;
      const { okta } = scim.sandbox;
      const read = okta.groupByName('hf-acme-read').id;
      okta.addToGroup(
        read,
        okta.addUser({ login: 'cher@acme.example', firstName: 'Cher', lastName: '', profile: { hfUsername: 'cher-music' } }).id,
      );
      okta.addToGroup(read, okta.addUser({ login: 'bad@acme.example', profile: { hfUsername: 'bad--name' } }).id);
      const outcome = await reconcile(scim.composition.ports, scim.config, {
        dryRun: false,
        scope: { kind: 'organization' },
        trigger: 'cli',
        actor: 't',
      });
      expect(outcome.result?.failed.filter((f) => f.action === 'scim-invite')).toEqual([]);
      expect(hub.scimUser('cher-music')).toMatchObject({
        givenName: 'Cher',
        familyName: 'Cher',
        externalId: expect.stringMatching(/^00u/),
      });
      expect(hub.scimUser('dritchie')).toMatchObject({ givenName: 'dennis', familyName: 'Example' });
      expect(hub.scimUser('bad--name')).toBeUndefined();
      expect(outcome.plan.diagnostics).toContainEqual(
        expect.objectContaining({ code: 'invalid-hub-username', summary: expect.stringContaining('"bad--name" has two dashes in a row') }),
      );
    } finally {
      await scim.stop();
    }
  });

  it('a leaver with no SCIM identity fails alone, with a message saying why', async () => {
    const scim = await startHarness({ configure: (t) => t.replace('membership: roles', 'membership: scim-basic') });
    try {
      const outcome = await reconcile(scim.composition.ports, scim.config, {
        dryRun: false,
        scope: { kind: 'organization' },
        trigger: 'cli',
        actor: 't',
      });
      expect(outcome.result?.failed.map((f) => f.user).sort()).toEqual(['alan-t', 'kthompson', 'linus-t']);
      expect(outcome.result?.failed[0]?.error).toMatch(/no SCIM user named .*provisioned outside SCIM/);
      expect(outcome.result?.applied.map((a) => a.user).sort()).toEqual(['dritchie', 'grace-h', 'mhamilton']);
    } finally {
      await scim.stop();
    }
  });
});
