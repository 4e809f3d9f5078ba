import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../shared/domain/compute-plan.js';
import { GRANTABLE_ROLES, OKTA_STATUSES, ROLES } from '../../../shared/domain/types.js';
import { member, rg, world, type OktaPerson } from '../../helpers/builders.js';

/** Properties over random small organizations: the guards hold and apply-then-plan converges. */

const groupNames = ['hf-admin', 'hf-write', 'hf-read', 'hf-llm-write', 'hf-llm-read', 'engineering'];
const arbWorld = fc.record({
  people: fc.array(
    fc.record({
      username: fc.option(fc.constantFrom('u0', 'u1', 'u2', 'u3', 'u4', 'u5'), { nil: null }),
      groups: fc.subarray(groupNames),
      status: fc.constantFrom(...OKTA_STATUSES),
    }),
    { maxLength: 6 },
  ),
  members: fc.uniqueArray(
    fc.record({
      user: fc.constantFrom('u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'x1', 'x2'),
      role: fc.constantFrom(...ROLES),
      llm: fc.option(fc.constantFrom(...GRANTABLE_ROLES), { nil: undefined }),
      vision: fc.option(fc.constantFrom(...GRANTABLE_ROLES), { nil: undefined }),
    }),
    { selector: (m) => m.user, maxLength: 8 },
  ),
  protectedUser: fc.constantFrom('u0', 'u1', 'x1'),
  maxRemovals: fc.integer({ min: 0, max: 5 }),
});

type World = typeof arbWorld extends fc.Arbitrary<infer T> ? T : never;

function build(w: World) {
  return world({
    okta: w.people as OktaPerson[],
    hub: w.members.map((m) =>
      member(m.user, m.role, [...(m.llm ? [rg('llm', m.llm)] : []), ...(m.vision ? [rg('vision', m.vision)] : [])]),
    ),
    policy: { protectedUsers: [w.protectedUser], maxRemovals: { kind: 'count', value: w.maxRemovals } },
  });
}

describe('computePlan properties', () => {
  it('never plans a demotion of a protected user, never exceeds maxRemovals, never touches unmanaged resource groups', () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const plan = computePlan(build(w));
        const decreases = plan.changes.filter((c) => ['revoke', 'downgrade', 'mixed'].includes(c.effect));
        expect(decreases.length).toBeLessThanOrEqual(w.maxRemovals);
        expect(decreases.map((c) => c.user)).not.toContain(w.protectedUser);
        for (const c of plan.changes.filter((x) => x.action === 'set-role')) {
          expect(c.before!.resourceGroups.filter((x) => x.name === 'vision')).toEqual(
            c.after!.resourceGroups.filter((x) => x.name === 'vision'),
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('converges: after applying the planned changes, the next plan changes nothing', () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const inputs = build({ ...w, maxRemovals: 100 });
        const first = computePlan(inputs);
        const members = inputs.hub.members.map((m) => {
          const change = first.changes.find((c) => c.user === m.user);
          return change?.after ? { ...m, ...change.after } : m;
        });
        const second = computePlan({ ...inputs, hub: { ...inputs.hub, members } });
        expect(second.changes).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
