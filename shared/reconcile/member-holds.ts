import type { MemberHoldAnswer } from '../ports/leases.js';
import type { MemberHolds } from '../ports/leases.js';
import { LeaseHeldError, SupersededError } from '../runtime/errors.js';
import { timeLeft } from '../runtime/deadline.js';
import { HeldLease } from '../runtime/held-lease.js';

/**
 * Member holds: how removing one person and an organization apply serialize — per member, never
 * per organization, so an offboarding never waits for an org reconcile.
 *
 * The argument, step by step, is in docs/ARCHITECTURE.md ("Member holds"): every write to a Hub
 * member happens under that member's hold; a hold refuses a decision older than the last one made
 * (`readAtMs` only grows), so an org apply never writes over what an offboarding decided since; a
 * person run holds its members from before its Hub read until its writes are done, an org apply
 * only around each member's one write; holds are heartbeats that end with the holder's invocation.
 */

const MEMBER_HOLD_HEARTBEAT_MS = 15_000;
/** Kept past the run's deadline, like an event claim: long enough to record the write's outcome. */
const HOLD_MARGIN_MS = 1_000;
/** How long a run waits for a member another run holds (one Hub write, or a killed holder's heartbeat). */
const MEMBER_WAIT_MS = 20_000;

export interface HoldTiming {
  deadline: number;
  heartbeatMs?: number;
}

/** Takes the hold on one member, waiting (at most 20 s, within the run's time) while another run has it. */
export async function holdMember(
  state: MemberHolds,
  clock: () => Date,
  organization: string,
  runId: string,
  user: string,
  readAtMs: number,
  timing: HoldTiming,
): Promise<HeldLease> {
  const what = `hold on member ${user}`;
  const ops = {
    acquire: async (ttl: number) => {
      const answer: MemberHoldAnswer = await state.holdMember(organization, user, runId, ttl, clock(), readAtMs);
      if (answer === 'held') return;
      if ('heldBy' in answer) throw new LeaseHeldError(what, answer.heldBy, answer.until);
      throw new SupersededError(user, answer.by, answer.decidedAtMs);
    },
    renew: (ttl: number) => state.renewMemberHold(organization, user, runId, ttl, clock()),
    release: () => state.releaseMemberHold(organization, user, runId),
  };
  const waitUntil = Date.now() + Math.min(MEMBER_WAIT_MS, Math.max(0, timeLeft() - 1000));
  let pause = 25;
  for (;;) {
    try {
      return await HeldLease.take(what, ops, {
        deadline: timing.deadline,
        heartbeatMs: timing.heartbeatMs ?? MEMBER_HOLD_HEARTBEAT_MS,
        marginMs: HOLD_MARGIN_MS,
      });
    } catch (error) {
      if (!(error instanceof LeaseHeldError) || Date.now() >= waitUntil) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(500, pause * 2);
    }
  }
}

/**
 * A person run's holds: every member it may write, in username order. All or none: when one is
 * superseded (or cannot be had in time) the ones taken are given back and the error is thrown.
 */
export async function holdPeople(
  state: MemberHolds,
  clock: () => Date,
  organization: string,
  runId: string,
  users: readonly string[],
  readAtMs: number,
  timing: HoldTiming,
): Promise<HeldLease[]> {
  const names = [...new Set(users.map((u) => u.toLowerCase()))].sort();
  const holds: HeldLease[] = [];
  try {
    for (const user of names) holds.push(await holdMember(state, clock, organization, runId, user, readAtMs, timing));
    return holds;
  } catch (error) {
    await Promise.all(holds.map((h) => h.release()));
    throw error;
  }
}
