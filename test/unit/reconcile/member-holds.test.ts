import { describe, expect, it } from 'vitest';
import { holdMember, holdPeople } from '../../../shared/reconcile/member-holds.js';
import { LeaseHeldError, SupersededError } from '../../../shared/runtime/errors.js';
import { inMemoryStateStore } from '../../fakes/in-memory-state.js';

/** How an offboarding and an organization apply serialize on a member, with the in-memory store and a clock the test moves. */

const T0 = Date.parse('2026-12-06T12:00:00.000Z');
function world() {
  let now = T0;
  return {
    state: inMemoryStateStore(),
    clock: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
    timing: { deadline: Date.now() + 60_000 },
  };
}

describe('member holds', () => {
  it('lets a later decision write after an earlier run released the member, and refuses the earlier run afterwards', async () => {
    const w = world();
    const org = await holdMember(w.state, w.clock, 'acme', 'org-run', 'linus-t', T0 - 60_000, w.timing); // read a minute ago
    await org.release();
    const offboarding = await holdMember(w.state, w.clock, 'acme', 'person-run', 'linus-t', T0, w.timing);
    await offboarding.release();
    // The org run comes back to the member with its older read: the offboarding's decision stands.
    const late = holdMember(w.state, w.clock, 'acme', 'org-run', 'linus-t', T0 - 60_000, w.timing);
    await expect(late).rejects.toBeInstanceOf(SupersededError);
    await expect(late).rejects.toThrow(/linus-t was decided by run person-run from a read made at 2026-12-06T12:00:00.000Z/);
  });

  it('keeps a member for one holder at a time, and frees it when the holder is gone past its heartbeat', async () => {
    const w = world();
    // A run took the hold for one 15 s heartbeat and was killed: nothing renews or releases it.
    expect(await w.state.holdMember('acme', 'grace-h', 'killed-run', 15_000, w.clock(), T0)).toBe('held');
    const answer = await w.state.holdMember('acme', 'grace-h', 'other-run', 15_000, w.clock(), T0 + 1);
    expect(answer).toEqual({ heldBy: 'killed-run', until: new Date(T0 + 15_000).toISOString() });
    w.advance(16_000); // the killed holder's heartbeat ran out; nobody renewed it
    const taken = await holdMember(w.state, w.clock, 'acme', 'other-run', 'grace-h', T0 + 1, w.timing);
    await taken.release();
  });

  it("takes a person run's members all or none, in username order: one superseded gives the others back", async () => {
    const w = world();
    // A later run already decided about "m-b".
    await (await holdMember(w.state, w.clock, 'acme', 'later-run', 'm-b', T0 + 5_000, w.timing)).release();
    await expect(holdPeople(w.state, w.clock, 'acme', 'person-run', ['m-c', 'm-a', 'm-b'], T0, w.timing)).rejects.toBeInstanceOf(
      SupersededError,
    );
    // "m-a" was taken first (username order) and given back: another run holds it at once.
    expect(await w.state.holdMember('acme', 'm-a', 'another-run', 15_000, w.clock(), T0 + 1)).toBe('held');
    // "m-c" was never reached.
    expect(await w.state.holdMember('acme', 'm-c', 'another-run', 15_000, w.clock(), T0)).toBe('held');
  });

  it('gives up waiting for a member another run keeps when the invocation has little time left', async () => {
    const w = world();
    const holder = await holdMember(w.state, w.clock, 'acme', 'slow-run', 'alan-t', T0, w.timing);
    const { withDeadline } = await import('../../../shared/runtime/deadline.js');
    const waited = withDeadline(Date.now() + 500, () => holdMember(w.state, w.clock, 'acme', 'person-run', 'alan-t', T0 + 1, w.timing));
    await expect(waited).rejects.toBeInstanceOf(LeaseHeldError);
    await holder.release();
  });
});
