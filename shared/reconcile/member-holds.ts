import type { MemberHoldAnswer, StateStore } from '../ports/state-store.js';
import { LeaseHeldError, SupersededError } from '../runtime/errors.js';
import { timeLeft } from '../runtime/deadline.js';
import { HeldLease } from '../runtime/held-lease.js';

/**
 * Member holds: how removing one person and an organization apply serialize — per member, never
 * per organization, so an offboarding never waits for an org reconcile.
 *
 * The argument, step by step:
 *  1. Every write to a Hub member happens under that member's hold: one DynamoDB item per member,
 *     taken with a conditional update. Two runs never write the same member at the same time.
 *  2. A hold carries `readAtMs`, when the read behind the decision began: for a person run, its
 *     Okta read; for an org run, the start of its (long) read — a lower bound for every member it
 *     read. The condition refuses a hold to a decision older than the last one made (`readAtMs`
 *     only grows). So an org apply that planned before an offboarding decided never writes that
 *     member afterwards: its change is `superseded`, and the next run decides again from fresh
 *     reads. This is the rule that keeps an org apply from re-granting someone an event just
 *     removed — or re-removing someone an event just restored.
 *  3. A person run takes its holds *before* reading the Hub — the members our state links to the
 *     person alongside its Okta read, any other the Okta user names right after it — and keeps them
 *     until its writes are done: the Hub state it plans from is the state it overwrites. An org
 *     apply holds a member only around that member's one write, so an offboarding waits at most one
 *     Hub write (its hold is free again in milliseconds), never for the org run itself.
 *  4. Holds are heartbeats (HeldLease: 15 s, renewed every 5 s, never past the run's deadline plus
 *     1 s): a holder killed by the OS or by Lambda's timeout blocks its member for at most 15 s,
 *     and never past the end of its invocation.
 *  5. Each change of an org run (or of a saved plan's apply) holds its one member and never waits
 *     for another while it does; a person run takes each set of holds in username order. Two person runs whose sets overlap in opposite
 *     order (two Okta users linked to the same
 *     two members — rare) could wait for each other: every wait is bounded (20 s), so one gives up,
 *     fails, and its events are retried.
 *
 * `readAtMs` is taken before the Okta read starts, so holding before Okta has answered is sound:
 * it is a lower bound of that read's time either way.
 *
 * Limit: the last-admin guard counts admins from each run's own read. An offboarding of one admin
 * and an org run's demotion of another, at the same instant, are each checked against a read that
 * does not see the other (the org run's loss is re-read alone first, which narrows this to
 * milliseconds).
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
  state: StateStore,
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
  state: StateStore,
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
