import { coalesce, parseLogEvent, type OktaEventRef } from '../domain/okta-event.js';
import { conventionPrefix } from '../domain/rules.js';
import type { Plan } from '../domain/plan.js';
import type { EventSink } from '../ports/event-sink.js';
import type { OktaCause } from '../ports/audit-trail.js';
import type { OutboxEntry } from '../ports/event-claims.js';
import { reconcile, type ReconcilePorts } from '../reconcile/reconcile.js';
import type { SharedReads } from '../reconcile/read-inputs.js';
import type { Config } from '../runtime/config.js';
import { describeError } from '../runtime/errors.js';
import { timeLeft } from '../runtime/deadline.js';
import { mapLimit } from '../runtime/map-limit.js';
import {
  pendingOffboardings,
  publishOutbox,
  settleOffboardings,
  settlement,
  stageOffboardings,
  type EventSource,
  type OutboxResult,
} from './outbox.js';

/**
 * handleOktaEvents — the one path for every way Okta events arrive (EventBridge log streaming,
 * Event Hooks, the System Log poll).
 *
 * Primary course:
 *   1. parse each event; malformed and irrelevant ones get an outcome and go no further
 *   2. claim each event id in DynamoDB: a duplicate (another delivery, another way in) stops here
 *   3. coalesce: each person once, however many events name them
 *   4. per person, a targeted reconcile that re-reads Okta and the Hub (same guards as a full run);
 *      a group-level event on a mapped group runs one organization reconcile instead
 *   5. `hf-iam-sync.MemberOffboarded` for every access removed goes through the outbox (staged
 *      before the first Hub write, ready after it); mark the events done; publish the outbox
 *
 * A failed run gives its events' claims back, so the queue's retry (hook and EventBridge
 * deliveries), Lambda's retry (a direct EventBridge invocation) or the next poll processes them
 * again; the rest of the batch still goes through. One-person runs take no organization lease
 * (see reconcile/member-holds.ts): an offboarding never waits for an org reconcile.
 */

export interface EventPorts extends ReconcilePorts {
  events: EventSink;
}

export type { EventSource } from './outbox.js';

export interface EventOutcome {
  uuid: string | null;
  outcome: 'processed' | 'duplicate' | 'in-progress' | 'ignored' | 'rejected' | 'failed' | 'deferred';
  detail: string;
}

export interface HandleResult {
  outcomes: EventOutcome[];
  reconciles: number;
  offboarded: string[];
  /** What the outbox drain at the end did (this delivery's events, and any left by earlier ones). */
  outbox: OutboxResult;
}

/** A group event's organization run waits this long (within the invocation) for another org run's lease. */
const LEASE_WAIT_MS = 60_000;
/** Claims are independent conditional writes; a big hook delivery should not make them one by one. */
const CLAIM_CONCURRENCY = 16;
/** One-person runs at a time in one delivery (Okta allows 75 concurrent requests per org; we use a fraction). */
const PEOPLE_CONCURRENCY = 32;
const DUPLICATE = (uuid: string): EventOutcome => ({ uuid, outcome: 'duplicate', detail: 'already processed through one of the ways in' });
const IN_PROGRESS = (uuid: string): EventOutcome => ({
  uuid,
  outcome: 'in-progress',
  detail: 'being processed by another delivery; its claim ends with that invocation, then a retry or the poll takes over',
});
/** How long a claim lasts when the run has no deadline (outside Lambda and the CLI). */
const CLAIM_WITHOUT_DEADLINE_MS = 5 * 60_000;
const CLAIM_MARGIN_MS = 1_000;

function isMappedGroup(config: Config, name: string | null): boolean {
  if (name === null) return true;
  const lower = name.toLowerCase();
  if (config.rules.some((r) => r.group.toLowerCase() === lower)) return true;
  return config.naming !== null && lower.startsWith(conventionPrefix(config.naming, config.policy.organization).toLowerCase());
}

export async function handleOktaEvents(
  ports: EventPorts,
  config: Config,
  raw: readonly unknown[],
  source: EventSource,
  deadline = Number.POSITIVE_INFINITY,
): Promise<HandleResult> {
  const { outcomes, anonymous, relevant } = sortDelivery(raw);
  // A claim lasts as long as this invocation may (its deadline, plus a moment to record the outcome).
  const now = ports.clock();
  const until = new Date(now.getTime() + Math.min(timeLeft(), CLAIM_WITHOUT_DEADLINE_MS) + CLAIM_MARGIN_MS);
  const won = await mapLimit(relevant, CLAIM_CONCURRENCY, (e) => ports.state.claimEvent(e.uuid, source, now, until));
  const claimed = relevant.filter((e, i) => {
    if (won[i] === 'done') outcomes.set(e.uuid, DUPLICATE(e.uuid));
    if (won[i] === 'in-progress') outcomes.set(e.uuid, IN_PROGRESS(e.uuid));
    return won[i] === 'claimed';
  });
  const delivery: Delivery = { ports, config, source, until, outcomes, shared: sharedReads(ports, config), offboarded: [], own: [] };
  const jobs = jobsOf(config, claimed, outcomes);
  // People are independent (each run holds only their own members): a burst's people run side by side.
  let reconciles = 0;
  await mapLimit(jobs, PEOPLE_CONCURRENCY, async (job) => {
    if (Date.now() >= deadline || timeLeft() <= 0) {
      for (const e of job.events)
        outcomes.set(e.uuid, {
          uuid: e.uuid,
          outcome: 'deferred',
          detail: 'out of time in this delivery; retried (queue) or left for the System Log poll',
        });
      return;
    }
    reconciles += 1;
    await runJob(delivery, job);
  });
  const outbox = await finishDelivery(delivery, claimed);
  return { outcomes: [...anonymous, ...outcomes.values()], reconciles, offboarded: delivery.offboarded, outbox };
}

/** Each event's first outcome: malformed ones rejected (with why), irrelevant ones ignored, the rest to process (once each). */
function sortDelivery(raw: readonly unknown[]) {
  const outcomes = new Map<string, EventOutcome>();
  const anonymous: EventOutcome[] = [];
  const relevant: OktaEventRef[] = [];
  for (const item of raw) {
    const parsed = parseLogEvent(item);
    if (parsed.kind === 'malformed') {
      const rejected: EventOutcome = { uuid: parsed.uuid, outcome: 'rejected', detail: parsed.reason };
      if (parsed.uuid) outcomes.set(parsed.uuid, rejected);
      else anonymous.push(rejected);
    } else if (parsed.kind === 'ignored') {
      outcomes.set(parsed.uuid, { uuid: parsed.uuid, outcome: 'ignored', detail: parsed.reason });
    } else if (!outcomes.has(parsed.event.uuid)) {
      // The same event twice in one delivery is one event: it keeps its first outcome.
      outcomes.set(parsed.event.uuid, { uuid: parsed.event.uuid, outcome: 'processed', detail: '' });
      relevant.push(parsed.event);
    }
  }
  return { outcomes, anonymous, relevant };
}

type Job = { scope: { kind: 'organization' } | { kind: 'user'; user: string }; events: OktaEventRef[] };

/** What one delivery's runs share: its ports, its claims' end, the outcomes so far, whom it offboarded, the outbox entries it settled. */
interface Delivery {
  ports: EventPorts;
  config: Config;
  source: EventSource;
  until: Date;
  outcomes: Map<string, EventOutcome>;
  shared: SharedReads;
  offboarded: string[];
  own: OutboxEntry[];
}

/** Each person once; a group event on a mapped group makes the whole delivery one organization run instead. */
function jobsOf(config: Config, claimed: readonly OktaEventRef[], outcomes: Map<string, EventOutcome>): Job[] {
  const work = coalesce(claimed);
  const groupEvents = [...work.groups.values()].flat();
  const mappedGroupEvents = groupEvents.filter((e) => e.groups.some((g) => isMappedGroup(config, g.name)));
  for (const e of groupEvents) {
    if (!mappedGroupEvents.includes(e))
      outcomes.set(e.uuid, { uuid: e.uuid, outcome: 'processed', detail: 'group is not mapped by any rule' });
  }
  return mappedGroupEvents.length > 0
    ? [{ scope: { kind: 'organization' }, events: [...new Set([...mappedGroupEvents, ...[...work.users.values()].flat()])] }]
    : [...work.users].map(([user, events]) => ({ scope: { kind: 'user', user }, events }));
}

/** Read once for all the people of this delivery (the last org run recorded them); a failed read is not shared. */
function sharedReads(ports: EventPorts, config: Config): SharedReads {
  let scim: Promise<string[] | null> | undefined;
  return {
    scimManagedResourceGroups: () =>
      (scim ??= ports.state.getScimManagedResourceGroups(config.policy.organization).catch((error: unknown) => {
        scim = undefined;
        throw error;
      })),
  };
}

/** One person's run (or the delivery's org run), its outcome events settled; a failure marks its events failed. */
async function runJob(delivery: Delivery, job: Job): Promise<void> {
  const { ports, config, source, until, outcomes } = delivery;
  try {
    // A person run settles its outcome events with its finished record (one write); an org run after it.
    let settled: OutboxEntry[] | undefined;
    const outcome = await reconcile(ports, config, {
      dryRun: false,
      scope: job.scope,
      trigger: 'event',
      actor: `${source}:${job.events[0]!.actor}`,
      execution: { leaseWaitMs: LEASE_WAIT_MS },
      // The outcome events are recorded before the first write (see outbox.ts): a person run's
      // with its changes' `started` records, an org run's before it applies.
      ...(job.scope.kind === 'user'
        ? {}
        : {
            approval: {
              confirm: async (plan: Plan, runId: string) => {
                await stageOffboardings(ports.state, plan, runId, job.events, source, until);
                return true;
              },
            },
          }),
      delivery: {
        shared: delivery.shared,
        oktaEvent: earliest(job.events),
        ...(job.scope.kind === 'user'
          ? { stage: (plan: Plan, runId: string) => pendingOffboardings(plan, runId, job.events, source, until) }
          : {}),
        settle: (plan, runId, result) => {
          const s = settlement(plan, runId, job.events, source, result, until);
          settled = s.put;
          return s;
        },
      },
    });
    const ready =
      settled ?? (await settleOffboardings(ports.state, outcome.plan, outcome.runId, job.events, source, outcome.result, until));
    delivery.own.push(...ready);
    const failed = outcome.result?.failed ?? [];
    if (failed.length > 0) throw new Error(failed.map((f) => `${f.user}: ${f.error}`).join('; '));
    delivery.offboarded.push(...ready.map((e) => e.user));
    const blocked = outcome.plan.blocked.length ? `, ${outcome.plan.blocked.length} blocked` : '';
    const summary = `run ${outcome.runId}: ${outcome.outcome}, ${outcome.plan.changes.length} change(s)${blocked}`;
    for (const e of job.events)
      if (outcomes.get(e.uuid)?.outcome === 'processed') outcomes.set(e.uuid, { uuid: e.uuid, outcome: 'processed', detail: summary });
  } catch (error) {
    for (const e of job.events) outcomes.set(e.uuid, { uuid: e.uuid, outcome: 'failed', detail: describeError(error) });
  }
}

/**
 * The claims end and the outbox is published side by side: an event published before its claim is
 * marked done is not published again (a retry finds the person offboarded: no new change). A bus
 * that refuses leaves this delivery's outcome events (and earlier ones) in the outbox for the next
 * delivery or poll; the offboarding itself stands.
 */
async function finishDelivery(delivery: Delivery, claimed: readonly OktaEventRef[]): Promise<OutboxResult> {
  const { ports, config, outcomes } = delivery;
  const retried = (e: OktaEventRef) => ['failed', 'deferred'].includes(outcomes.get(e.uuid)!.outcome);
  const finishing = ports.state.finishEvents(
    claimed.filter((e) => !retried(e)).map((e) => e.uuid),
    claimed.filter(retried).map((e) => e.uuid),
    ports.clock(),
  );
  finishing.catch(() => undefined);
  const outbox = await publishOutbox(ports, config.policy.organization, delivery.own).catch((error: unknown) => ({
    published: 0,
    dropped: 0,
    left: 0,
    error: describeError(error),
  }));
  await finishing;
  if (outbox.error) {
    for (const e of claimed) {
      const o = outcomes.get(e.uuid)!;
      if (o.outcome === 'processed' && delivery.offboarded.length > 0)
        o.detail += `; MemberOffboarded not published yet (${outbox.error}): it stays in the outbox and the next delivery or poll publishes it`;
    }
  }
  return outbox;
}

/** The first of a person's events Okta published: what the offboarding's delay is counted from. */
function earliest(events: readonly OktaEventRef[]): OktaCause {
  const first = [...events].sort((a, b) => a.published.localeCompare(b.published))[0]!;
  return { uuid: first.uuid, published: first.published };
}
