import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../shared/domain/compute-plan.js';
import type { Change, Plan } from '../../../shared/domain/plan.js';
import { member, rg, world } from '../../helpers/builders.js';

const byUser = (plan: Plan, user: string): Change | undefined => plan.changes.find((c) => c.user === user);

describe('computePlan', () => {
  describe('entitlement', () => {
    it.each([
      { name: 'highest org role wins across groups', groups: ['hf-read', 'hf-admin', 'hf-write'], role: 'admin' },
      { name: 'write beats read', groups: ['hf-read', 'hf-write'], role: 'write' },
      { name: 'resource-group rules alone give the base role', groups: ['hf-llm-read'], role: 'read' },
    ])('$name', ({ groups, role }) => {
      // Prepare
      const inputs = world({ okta: [{ username: 'alice', groups }], hub: [member('alice', 'no_access')] });
      // Act
      const plan = computePlan(inputs);
      // Assess
      expect(byUser(plan, 'alice')?.after?.role).toBe(role);
    });

    it('gives the highest resource-group role across groups', () => {
      const plan = computePlan(
        world({ okta: [{ username: 'alice', groups: ['hf-write', 'hf-llm-read', 'hf-llm-write'] }], hub: [member('alice', 'write')] }),
      );
      expect(byUser(plan, 'alice')?.after?.resourceGroups).toEqual([rg('llm', 'write')]);
      expect(byUser(plan, 'alice')?.effect).toBe('upgrade');
    });

    it.each(['SUSPENDED', 'DEPROVISIONED', 'STAGED', 'PROVISIONED'] as const)(
      'removes a linked %s user, with no state (first run)',
      (status) => {
        const plan = computePlan(
          world({ okta: [{ username: 'bob', groups: ['hf-write'], status }], hub: [member('bob', 'write', [rg('llm', 'write')])] }),
        );
        const change = byUser(plan, 'bob');
        expect(change).toMatchObject({ action: 'remove', effect: 'revoke', after: { role: 'no_access', resourceGroups: [] } });
        expect(change?.reasons.join(' ')).toContain(`Okta status is ${status}`);
      },
    );

    it('keeps LOCKED_OUT users by the default policy and removes them when the policy says only ACTIVE', () => {
      const spec = { okta: [{ username: 'bob', groups: ['hf-write'], status: 'LOCKED_OUT' as const }], hub: [member('bob', 'write')] };
      expect(computePlan(world(spec)).changes).toEqual([]);
      expect(byUser(computePlan(world({ ...spec, policy: { entitledStatuses: ['ACTIVE'] } })), 'bob')?.effect).toBe('revoke');
    });

    it('removes a linked active user who is in no mapped group', () => {
      const plan = computePlan(world({ okta: [{ username: 'carol', groups: ['engineering'] }], hub: [member('carol', 'write')] }));
      expect(byUser(plan, 'carol')?.reasons.join(' ')).toContain('in no mapped Okta group');
    });

    it('matches Hub usernames case-insensitively', () => {
      const plan = computePlan(world({ okta: [{ username: 'Alice', groups: ['hf-write'] }], hub: [member('alice', 'write')] }));
      expect(plan.changes).toEqual([]);
      expect(plan.unmanaged).toEqual([]);
    });
  });

  describe('resource groups', () => {
    it('resends resource groups no rule manages on every role change', () => {
      const plan = computePlan(
        world({ okta: [{ username: 'dave', groups: ['hf-write'] }], hub: [member('dave', 'read', [rg('vision', 'admin')])] }),
      );
      expect(byUser(plan, 'dave')?.after).toEqual({ role: 'write', resourceGroups: [rg('vision', 'admin')] });
    });

    it('takes a linked user out of a managed resource group when no mapped group puts them there', () => {
      const plan = computePlan(
        world({
          okta: [{ username: 'erin', groups: ['hf-write'] }],
          hub: [member('erin', 'write', [rg('llm', 'write'), rg('vision', 'read')])],
        }),
      );
      expect(byUser(plan, 'erin')).toMatchObject({ effect: 'downgrade', after: { role: 'write', resourceGroups: [rg('vision', 'read')] } });
    });

    it('reports a mix of upgrade and resource-group loss as mixed', () => {
      const plan = computePlan(
        world({ okta: [{ username: 'erin', groups: ['hf-admin'] }], hub: [member('erin', 'write', [rg('llm', 'write')])] }),
      );
      expect(byUser(plan, 'erin')?.effect).toBe('mixed');
    });
  });

  describe('ownership', () => {
    it('reports unclaimed members as unmanaged and leaves them', () => {
      const plan = computePlan(world({ okta: [], hub: [member('stranger', 'write')] }));
      expect(plan.changes).toEqual([]);
      expect(plan.unmanaged).toEqual([{ user: 'stranger', role: 'write', resourceGroups: [] }]);
    });

    it('removes unclaimed members when unmanagedMembers is remove', () => {
      const plan = computePlan(world({ okta: [], hub: [member('stranger', 'write')], policy: { unmanagedMembers: 'remove' } }));
      expect(byUser(plan, 'stranger')?.effect).toBe('revoke');
    });

    it('removes a member our state manages once no Okta user claims it', () => {
      const plan = computePlan(world({ okta: [], hub: [member('gone', 'write')], managed: ['gone'] }));
      expect(byUser(plan, 'gone')?.reasons[0]).toContain('no Okta user links this member');
    });

    it('reports unlinked Okta users in mapped groups, not those outside', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: null, login: 'nolink@acme.example', groups: ['hf-write'] },
            { username: null, login: 'other@acme.example', groups: ['engineering'] },
          ],
          hub: [],
        }),
      );
      expect(plan.unlinked.map((u) => u.oktaLogin)).toEqual(['nolink@acme.example']);
    });

    it('leaves a member two Okta users claim untouched and reports the conflict', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: 'twin', login: 'a@acme.example', groups: ['hf-admin'] },
            { username: 'twin', login: 'b@acme.example', groups: [] },
          ],
          hub: [member('twin', 'read')],
        }),
      );
      expect(plan.changes).toEqual([]);
      expect(plan.conflicts).toEqual([{ user: 'twin', oktaUsers: ['a@acme.example', 'b@acme.example'] }]);
    });
  });

  describe('email fallback (okta.emailFallback)', () => {
    const withEmail = (user: string, email: string) => ({ ...member(user, 'read'), email });

    it('links an Okta user without the attribute to the one member with their SSO email, and says so', () => {
      const spec = {
        okta: [{ username: null, login: 'dana@acme.example', groups: ['hf-write'] }],
        hub: [withEmail('dana-hf', 'Dana@acme.example')],
      };
      expect(computePlan(world(spec)).unlinked).toHaveLength(1);
      const plan = computePlan(world({ ...spec, policy: { emailFallback: true } }));
      expect(plan.unlinked).toEqual([]);
      expect(byUser(plan, 'dana-hf')).toMatchObject({
        after: { role: 'write' },
        reasons: expect.arrayContaining(['linked by SSO email dana@acme.example (okta.emailFallback)']),
      });
    });

    it('never links by email to a member another Okta user claims by attribute, nor to one of two members sharing the email', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: null, login: 'eve@acme.example', groups: ['hf-admin'] },
            { username: 'owner', login: 'owner@acme.example', groups: ['hf-read'] },
            { username: null, login: 'twin@acme.example', groups: ['hf-admin'] },
          ],
          hub: [
            withEmail('owner', 'eve@acme.example'),
            withEmail('t1', 'twin@acme.example'),
            withEmail('t2', 'twin@acme.example'),
            member('boss', 'admin'),
          ],
          policy: { emailFallback: true },
        }),
      );
      expect(plan.changes.filter((c) => c.after?.role === 'admin')).toEqual([]);
      expect(plan.unlinked.map((u) => u.oktaLogin).sort()).toEqual(['eve@acme.example', 'twin@acme.example']);
    });
  });

  describe('membership modes', () => {
    it('reports entitled people missing from the org as needs invite in roles mode', () => {
      const plan = computePlan(world({ okta: [{ username: 'newbie', groups: ['hf-write', 'hf-llm-read'] }], hub: [] }));
      expect(plan.changes).toEqual([]);
      expect(plan.needsInvite).toEqual([expect.objectContaining({ user: 'newbie', role: 'write', resourceGroups: ['llm'] })]);
    });

    it('invites through SCIM and deactivates through SCIM in scim modes', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: 'newbie', groups: ['hf-write'] },
            { username: 'leaver', groups: ['hf-write'], status: 'DEPROVISIONED' },
          ],
          hub: [member('leaver', 'write')],
          policy: { membership: 'scim-basic' },
        }),
      );
      expect(plan.changes.map((c) => [c.user, c.action])).toEqual([
        ['newbie', 'scim-invite'],
        ['leaver', 'scim-deactivate'],
      ]);
      expect(byUser(plan, 'leaver')?.after).toBeNull();
    });

    it('deletes SCIM accounts only when configured', () => {
      const plan = computePlan(
        world({
          okta: [{ username: 'leaver', groups: [], status: 'DEPROVISIONED' }],
          hub: [member('leaver', 'write')],
          policy: { membership: 'scim-managed', scimDelete: true },
        }),
      );
      expect(byUser(plan, 'leaver')?.action).toBe('scim-delete');
    });

    it('does not re-remove a member who already has no access in roles mode', () => {
      const plan = computePlan(
        world({ okta: [{ username: 'gone', groups: [], status: 'DEPROVISIONED' }], hub: [member('gone', 'no_access')] }),
      );
      expect(plan.changes).toEqual([]);
    });
  });

  describe('guards', () => {
    it('never demotes or removes a protected user, but upgrades them', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: 'root', groups: [] },
            { username: 'boss', groups: ['hf-admin'] },
          ],
          hub: [member('root', 'admin'), member('boss', 'read'), member('other', 'admin')],
          policy: { protectedUsers: ['ROOT', 'boss'] },
        }),
      );
      expect(plan.blocked).toEqual([
        expect.objectContaining({ guard: 'protected-user', change: expect.objectContaining({ user: 'root' }) }),
      ]);
      expect(byUser(plan, 'boss')?.after?.role).toBe('admin');
    });

    it('holds back the demotion of the last admin', () => {
      const plan = computePlan(world({ okta: [{ username: 'only-admin', groups: ['hf-read'] }], hub: [member('only-admin', 'admin')] }));
      expect(plan.changes).toEqual([]);
      expect(plan.blocked[0]?.guard).toBe('last-admin');
    });

    it('lets an admin go when another is promoted in the same plan, promotion first', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: 'old', groups: [] },
            { username: 'new', groups: ['hf-admin'] },
          ],
          hub: [member('old', 'admin'), member('new', 'write')],
        }),
      );
      expect(plan.blocked).toEqual([]);
      expect(plan.changes.map((c) => c.user)).toEqual(['new', 'old']);
    });

    it('blocks removals and demotions over maxRemovals while adds and upgrades proceed', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: 'a', groups: [], status: 'SUSPENDED' },
            { username: 'b', groups: [], status: 'SUSPENDED' },
            { username: 'c', groups: ['hf-read'] },
            { username: 'up', groups: ['hf-admin'] },
          ],
          hub: [member('a', 'write'), member('b', 'write'), member('c', 'write'), member('up', 'read'), member('boss', 'admin')],
          policy: { maxRemovals: { kind: 'count', value: 2 } },
        }),
      );
      expect(plan.changes.map((c) => c.user)).toEqual(['up']);
      expect(plan.blocked.map((b) => [b.change.user, b.guard])).toEqual([
        ['a', 'max-removals'],
        ['b', 'max-removals'],
        ['c', 'max-removals'],
      ]);
      expect(plan.applyable).toBe(true);
    });

    it('splits a mixed change: the gain (an upgrade to admin) goes ahead, its loss (a resource group) is held with the removals', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: 'a', groups: [], status: 'SUSPENDED' },
            { username: 'b', groups: [], status: 'SUSPENDED' },
            { username: 'erin', groups: ['hf-admin'] },
          ],
          hub: [member('a', 'write'), member('b', 'write'), member('erin', 'write', [rg('llm', 'write')]), member('boss', 'admin')],
          policy: { maxRemovals: { kind: 'count', value: 1 } },
        }),
      );
      expect(plan.changes).toEqual([
        expect.objectContaining({
          id: 'set-role:erin',
          effect: 'upgrade',
          before: { role: 'write', resourceGroups: [rg('llm', 'write')] },
          after: { role: 'admin', resourceGroups: [rg('llm', 'write')] },
          reasons: expect.arrayContaining(['split by the max-removals guard: the gains go ahead, the losses are held']),
        }),
      ]);
      expect(plan.blocked.map((b) => [b.change.id, b.guard])).toEqual([
        ['remove:a', 'max-removals'],
        ['remove:b', 'max-removals'],
        ['set-role:erin#losses', 'max-removals'],
      ]);
      expect(plan.blocked[2]!.change).toMatchObject({
        effect: 'downgrade',
        before: { role: 'admin', resourceGroups: [rg('llm', 'write')] },
        after: { role: 'admin', resourceGroups: [] },
      });
      expect(plan.summary).toMatchObject({ change: 1, remove: 0, blocked: 3 });
    });

    it("lets a protected user's gains through and holds only the losses", () => {
      const plan = computePlan(
        world({
          okta: [{ username: 'erin', groups: ['hf-admin'] }],
          hub: [member('erin', 'write', [rg('llm', 'write')]), member('boss', 'admin')],
          policy: { protectedUsers: ['erin'] },
        }),
      );
      expect(plan.changes.map((c) => [c.id, c.effect, c.after?.role])).toEqual([['set-role:erin', 'upgrade', 'admin']]);
      expect(plan.blocked.map((b) => [b.change.id, b.guard, b.change.effect])).toEqual([
        ['set-role:erin#losses', 'protected-user', 'downgrade'],
      ]);
    });

    it('allows removals up to the limit', () => {
      const plan = computePlan(
        world({
          okta: [
            { username: 'a', groups: [], status: 'SUSPENDED' },
            { username: 'b', groups: [], status: 'SUSPENDED' },
          ],
          hub: [member('a', 'write'), member('b', 'write'), member('boss', 'admin')],
          policy: { maxRemovals: { kind: 'count', value: 2 } },
        }),
      );
      expect(plan.blocked).toEqual([]);
      expect(plan.summary.remove).toBe(2);
    });

    it('computes a percentage limit from the number of members', () => {
      const hub = Array.from({ length: 20 }, (_, i) => member(`m${i}`, 'read'));
      const okta = hub.slice(0, 3).map((m) => ({ username: m.user, groups: [], status: 'SUSPENDED' as const }));
      expect(computePlan(world({ okta, hub, policy: { maxRemovals: { kind: 'percent', value: 10 } } })).blocked).toHaveLength(3);
      expect(computePlan(world({ okta, hub, policy: { maxRemovals: { kind: 'percent', value: 15 } } })).blocked).toHaveLength(0);
    });
  });

  describe('rules that cannot be bound', () => {
    it('errors, with no changes, when a rule names a missing Okta group', () => {
      const inputs = world({ okta: [{ username: 'x', groups: [], status: 'SUSPENDED' }], hub: [member('x', 'write')] });
      inputs.directory.groups = inputs.directory.groups.filter((g) => g.name !== 'hf-write');
      const plan = computePlan(inputs);
      expect(plan).toMatchObject({ errored: true, applyable: false, changes: [] });
      expect(plan.diagnostics[0]).toMatchObject({ severity: 'error', code: 'rule-group-missing' });
    });

    it('errors when a rule names a resource group the Hub lacks', () => {
      const inputs = world({ okta: [], hub: [] });
      inputs.hub.resourceGroups = [];
      expect(computePlan(inputs).diagnostics.map((d) => d.code)).toContain('rule-resource-group-missing');
    });
  });

  describe('tokens this system issued', () => {
    const token = (oktaIndex: number, user: string) => ({
      tokenId: `tok-${user}`,
      oktaUserId: `00u${String(oktaIndex).padStart(17, '0')}`,
      user,
      label: 'ci',
      last4: 'wxyz',
      issuedAt: '2026-01-01T00:00:00Z',
    });

    it('revokes the tokens of people who are no longer entitled, and keeps those of people who are', () => {
      const inputs = world({
        okta: [
          { username: 'leaver', groups: ['hf-write'], status: 'DEPROVISIONED' },
          { username: 'stayer', groups: ['hf-write'] },
        ],
        hub: [member('leaver', 'no_access'), member('stayer', 'write'), member('boss', 'admin')],
      });
      const plan = computePlan({ ...inputs, issuedTokens: [token(0, 'leaver'), token(1, 'stayer')] });
      expect(plan.changes).toEqual([
        expect.objectContaining({
          action: 'revoke-token',
          user: 'leaver',
          effect: 'revoke',
          token: { tokenId: 'tok-leaver', last4: 'wxyz', label: 'ci' },
          reasons: [expect.stringContaining('Okta status is DEPROVISIONED')],
        }),
      ]);
    });

    it('revokes a token whose Okta user is gone, and never for a protected user', () => {
      const inputs = world({ okta: [], hub: [member('boss', 'admin')], policy: { protectedUsers: ['keeper'] } });
      const plan = computePlan({ ...inputs, issuedTokens: [token(7, 'gone'), token(8, 'keeper')] });
      expect(plan.changes.map((c) => c.token?.tokenId)).toEqual(['tok-gone']);
      expect(plan.blocked.map((b) => [b.change.token?.tokenId, b.guard])).toEqual([['tok-keeper', 'protected-user']]);
    });
  });

  it("is idempotent: applying the plan's changes yields a plan with no changes", () => {
    const inputs = world({
      okta: [
        { username: 'a', groups: ['hf-write', 'hf-llm-write'] },
        { username: 'b', groups: [], status: 'DEPROVISIONED' },
      ],
      hub: [member('a', 'read', [rg('vision', 'read')]), member('b', 'write', [rg('llm', 'read')]), member('boss', 'admin')],
    });
    const first = computePlan(inputs);
    const after = inputs.hub.members.map((m) => {
      const change = first.changes.find((c) => c.user === m.user);
      return change?.after ? { ...m, ...change.after } : m;
    });
    const second = computePlan({ ...inputs, hub: { ...inputs.hub, members: after } });
    expect(first.changes).toHaveLength(2);
    expect(second.changes).toEqual([]);
  });

  it('is serialisable: JSON round trip gives the same plan', () => {
    const plan = computePlan(world({ okta: [{ username: 'a', groups: ['hf-write'] }], hub: [member('a', 'read')] }));
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});
