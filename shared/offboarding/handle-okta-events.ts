import { coalesce, parseLogEvent, type OktaEventRef } from '../domain/okta-event.js';
import { conventionPrefix } from '../domain/rules.js';
import type { DomainEvent, EventSink } from '../ports/event-sink.js';
import { reconcile, type ReconcileOutcome, type ReconcilePorts } from '../reconcile/reconcile.js';
import type { Config } from '../runtime/config.js';
import { describeError } from '../runtime/errors.js';
import { timeLeft } from '../runtime/deadline.js';
import { mapLimit } from '../runtime/map-limit.js';

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
 *   5. publish `hf-iam-sync.MemberOffboarded` for every access removed; mark the events done
 *
 * A failed reconcile gives its events' claims back, so EventBridge's retry, the hook's redelivery
 * or the next poll processes them again; the rest of the batch still goes through.
 */

export interface EventPorts extends ReconcilePorts {
  events: EventSink;
}

export type EventSource = 'eventbridge' | 'hook' | 'poll';

export interface EventOutcome {
  uuid: string | null;
  outcome: 'processed' | 'duplicate' | 'in-progress' | 'ignored' | 'rejected' | 'failed' | 'deferred';
  detail: string;
}

export interface HandleResult {
  outcomes: EventOutcome[];
  reconciles: number;
  offboarded: string[];
}

/** Events wait this long for a running reconcile to finish before failing (and being retried). */
const LEASE_WAIT_MS = 60_000;
/** Claims are independent conditional writes; a big hook delivery should not make them one by one. */
const CLAIM_CONCURRENCY = 16;
/** One-person runs at a time in one delivery (Okta allows 75 concurrent requests per org; we use a fraction). */
const PEOPLE_CONCURRENCY = 8;
const DUPLICATE = (uuid: string): EventOutcome => ({ uuid, outcome: 'duplicate', detail: 'already processed through one of the ways in' });
const IN_PROGRESS = (uuid: string): EventOutcome => ({ uuid, outcome: 'in-progress', detail: 'being processed by another delivery; its claim ends with that invocation, then a retry or the poll takes over' });
/** How long a claim lasts when the run has no deadline (outside Lambda and the CLI). */
const CLAIM_WITHOUT_DEADLINE_MS = 5 * 60_000;
const CLAIM_MARGIN_MS = 1_000;

function isMappedGroup(config: Config, name: string | null): boolean {
  if (name === null) return true;
  const lower = name.toLowerCase();
  if (config.rules.some((r) => r.group.toLowerCase() === lower)) return true;
  return config.naming !== null && lower.startsWith(conventionPrefix(config.naming, config.policy.organization).toLowerCase());
}

/** One `MemberOffboarded` per person who lost access in this run, with the tokens revoked for them. */
function offboardingEvents(outcome: ReconcileOutcome, triggers: readonly OktaEventRef[], source: EventSource): DomainEvent[] {
  const applied = new Set(outcome.result?.applied.map((r) => r.changeId) ?? []);
  const revoked = outcome.plan.changes.filter((c) => c.effect === 'revoke' && applied.has(c.id));
  const people = [...new Set(revoked.map((c) => c.user.toLowerCase()))];
  return people.map((key) => {
    const changes = revoked.filter((c) => c.user.toLowerCase() === key);
    const access = changes.find((c) => c.action !== 'revoke-token' && c.action !== 'suspend-credential');
    const first = access ?? changes[0]!;
    return {
      detailType: 'hf-iam-sync.MemberOffboarded',
      detail: {
        organization: outcome.plan.organization, user: first.user, oktaUserId: first.oktaUserId, oktaLogin: first.oktaLogin,
        action: access?.action ?? null, before: access?.before ?? null, reasons: first.reasons, runId: outcome.runId, source,
        revokedTokens: changes.flatMap((c) => (c.token ? [{ tokenId: c.token.tokenId, last4: c.token.last4, label: c.token.label }] : [])),
        // Tokens issued for the person by token exchange: suspended now, revoked by rotate-tokens (started by this event).
        exchangedTokens: changes.flatMap((c) => (c.credential ? [{ credential: c.credential.name, secret: c.credential.secret, status: 'suspended; rotate-tokens revokes its tokens' }] : [])),
        triggeredBy: triggers.map((t) => ({ uuid: t.uuid, eventType: t.eventType, published: t.published, actor: t.actor })),
      },
    };
  });
}

export async function handleOktaEvents(
  ports: EventPorts, config: Config, raw: readonly unknown[], source: EventSource, deadline = Number.POSITIVE_INFINITY,
): Promise<HandleResult> {
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
  // A claim lasts as long as this invocation may (its deadline, plus a moment to record the outcome).
  const now = ports.clock();
  const until = new Date(now.getTime() + Math.min(timeLeft(), CLAIM_WITHOUT_DEADLINE_MS) + CLAIM_MARGIN_MS);
  const won = await mapLimit(relevant, CLAIM_CONCURRENCY, (e) => ports.state.claimEvent(e.uuid, source, now, until));
  const claimed = relevant.filter((e, i) => {
    if (won[i] === 'done') outcomes.set(e.uuid, DUPLICATE(e.uuid));
    if (won[i] === 'in-progress') outcomes.set(e.uuid, IN_PROGRESS(e.uuid));
    return won[i] === 'claimed';
  });

  const work = coalesce(claimed);
  const groupEvents = [...work.groups.values()].flat();
  const mappedGroupEvents = groupEvents.filter((e) => e.groups.some((g) => isMappedGroup(config, g.name)));
  for (const e of groupEvents) {
    if (!mappedGroupEvents.includes(e)) outcomes.set(e.uuid, { uuid: e.uuid, outcome: 'processed', detail: 'group is not mapped by any rule' });
  }
  const jobs: Array<{ scope: { kind: 'organization' } | { kind: 'user'; user: string }; events: OktaEventRef[] }> = mappedGroupEvents.length > 0
    ? [{ scope: { kind: 'organization' }, events: [...new Set([...mappedGroupEvents, ...[...work.users.values()].flat()])] }]
    : [...work.users].map(([user, events]) => ({ scope: { kind: 'user', user }, events }));

  const published: DomainEvent[] = [];
  const offboarded: string[] = [];
  let reconciles = 0;
  // People are independent (each run holds only their own members): a burst's people run side by side.
  await mapLimit(jobs, PEOPLE_CONCURRENCY, async (job) => {
    if (Date.now() >= deadline || timeLeft() <= 0) {
      for (const e of job.events) outcomes.set(e.uuid, { uuid: e.uuid, outcome: 'deferred', detail: 'out of time in this delivery; retried (queue) or left for the System Log poll' });
      return;
    }
    reconciles += 1;
    try {
      const outcome = await reconcile(ports, config, {
        dryRun: false, scope: job.scope, trigger: 'event', actor: `${source}:${job.events[0]!.actor}`, leaseWaitMs: LEASE_WAIT_MS,
      });
      const failed = outcome.result?.failed ?? [];
      if (failed.length > 0) throw new Error(failed.map((f) => `${f.user}: ${f.error}`).join('; '));
      const events = offboardingEvents(outcome, job.events, source);
      published.push(...events);
      offboarded.push(...events.map((e) => String(e.detail.user)));
      const summary = `run ${outcome.runId}: ${outcome.outcome}, ${outcome.plan.changes.length} change(s)${outcome.plan.blocked.length ? `, ${outcome.plan.blocked.length} blocked` : ''}`;
      for (const e of job.events) if (outcomes.get(e.uuid)?.outcome === 'processed') outcomes.set(e.uuid, { uuid: e.uuid, outcome: 'processed', detail: summary });
    } catch (error) {
      for (const e of job.events) {
        outcomes.set(e.uuid, { uuid: e.uuid, outcome: 'failed', detail: describeError(error) });
      }
    }
  });

  await mapLimit(claimed, CLAIM_CONCURRENCY, (e) => {
    const outcome = outcomes.get(e.uuid)!.outcome;
    return outcome === 'failed' || outcome === 'deferred' ? ports.state.releaseEvent(e.uuid) : ports.state.completeEvent(e.uuid, ports.clock());
  });
  if (published.length > 0) {
    try {
      await ports.events.publish(published);
    } catch (error) {
      // The Hub change and the audit trail stand; only the notification is lost, and it says so.
      for (const e of claimed) {
        const o = outcomes.get(e.uuid)!;
        if (o.outcome === 'processed') o.detail += `; publishing MemberOffboarded failed: ${describeError(error)}`;
      }
    }
  }
  return { outcomes: [...anonymous, ...outcomes.values()], reconciles, offboarded };
}
