import type { Plan } from '../domain/plan.js';
import type { OktaEventRef } from '../domain/okta-event.js';
import type { EventSink } from '../ports/event-sink.js';
import type { HubOrg } from '../ports/hub-org.js';
import type { OutboxEntry } from '../ports/event-claims.js';
import type { Outbox } from '../ports/event-claims.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { ApplyResult } from '../reconcile/apply-plan.js';
import { describeError } from '../runtime/errors.js';
import { timeLeft } from '../runtime/deadline.js';

/**
 * The outbox for `hf-iam-sync.MemberOffboarded`: an offboarding's event is recorded with its change
 * and published until the bus accepts it.
 *
 *   stage (pending, before the first Hub write) ─► settle (ready | deleted, after the writes)
 *     ─► publish (claimed, sent, deleted)         ─ any step may be the last before a crash ─
 *
 * Whoever drains the outbox next (every okta-event delivery, every System Log poll) finishes the
 * work: a ready entry is published; a pending one whose invocation is over is checked — its change
 * record says applied, or else the Hub is asked whether the member is now as the change left them
 * — and published if the change landed, dropped if it did not (then the retried run, which sees
 * the person still entitled to nothing, makes and announces its own change).
 *
 * At least once: a crash between the bus accepting an event and its entry's deletion publishes it
 * again after the claim (30 s at most, never past the publishing invocation); consumers can de-duplicate on `runId` + `user`.
 */

export type EventSource = 'eventbridge' | 'hook' | 'poll';

interface Offboarding {
  user: string;
  seqs: number[];
  event: OutboxEntry['event'];
}

const PUBLISH_CLAIM_MS = 30_000;

/** One `MemberOffboarded` per person losing access in the plan (`applied`: only what was applied). */
function offboardings(
  plan: Plan,
  runId: string,
  triggers: readonly OktaEventRef[],
  source: EventSource,
  applied: ReadonlySet<string> | null,
): Offboarding[] {
  const revoked = plan.changes
    .map((c, i) => ({ c, seq: i + 1 }))
    .filter(({ c }) => c.effect === 'revoke' && (!applied || applied.has(c.id)));
  const people = [...new Set(revoked.map(({ c }) => c.user.toLowerCase()))];
  return people.map((key) => {
    const mine = revoked.filter(({ c }) => c.user.toLowerCase() === key);
    const changes = mine.map(({ c }) => c);
    const access = changes.find((c) => c.action !== 'revoke-token' && c.action !== 'suspend-credential');
    const first = access ?? changes[0]!;
    return {
      user: first.user,
      seqs: mine.map(({ seq }) => seq),
      event: {
        detailType: 'hf-iam-sync.MemberOffboarded',
        detail: {
          organization: plan.organization,
          user: first.user,
          oktaUserId: first.oktaUserId,
          oktaLogin: first.oktaLogin,
          action: access?.action ?? null,
          before: access?.before ?? null,
          reasons: first.reasons,
          runId,
          source,
          revokedTokens: changes.flatMap((c) =>
            c.token ? [{ tokenId: c.token.tokenId, last4: c.token.last4, label: c.token.label }] : [],
          ),
          // Tokens issued for the person by token exchange: suspended now, revoked by rotate-tokens (started by this event).
          exchangedTokens: changes.flatMap((c) =>
            c.credential
              ? [{ credential: c.credential.name, secret: c.credential.secret, status: 'suspended; rotate-tokens revokes its tokens' }]
              : [],
          ),
          triggeredBy: triggers.map((t) => ({ uuid: t.uuid, eventType: t.eventType, published: t.published, actor: t.actor })),
        },
      },
    };
  });
}

const entryOf = (plan: Plan, runId: string, o: Offboarding, status: OutboxEntry['status'], until: Date): OutboxEntry => ({
  id: `${o.user.toLowerCase()}#${runId}`,
  organization: plan.organization,
  runId,
  user: o.user,
  seqs: o.seqs,
  status,
  until: until.toISOString(),
  event: o.event,
});

/** Every offboarding the plan would make, pending until `until`: staged before the first write. */
export function pendingOffboardings(
  plan: Plan,
  runId: string,
  triggers: readonly OktaEventRef[],
  source: EventSource,
  until: Date,
): OutboxEntry[] {
  return offboardings(plan, runId, triggers, source, null).map((o) => entryOf(plan, runId, o, 'pending', until));
}

/** `pendingOffboardings`, written on their own (an org run; a person run writes each with its change's `started` record). */
export async function stageOffboardings(
  state: Outbox & AuditTrail,
  plan: Plan,
  runId: string,
  triggers: readonly OktaEventRef[],
  source: EventSource,
  until: Date,
): Promise<void> {
  await Promise.all(pendingOffboardings(plan, runId, triggers, source, until).map((entry) => state.putOutbox(entry)));
}

/**
 * After the writes: what was applied becomes ready (as applied) — already claimed by this
 * invocation until `until`, which publishes it next — and the rest is dropped. A person run writes
 * this with its finished record (reconcile's `settle`); `settleOffboardings` writes it alone.
 */
export function settlement(
  plan: Plan,
  runId: string,
  triggers: readonly OktaEventRef[],
  source: EventSource,
  result: ApplyResult | undefined,
  until: Date,
): { put: OutboxEntry[]; drop: string[] } {
  const staged = offboardings(plan, runId, triggers, source, null);
  const applied = offboardings(plan, runId, triggers, source, new Set(result?.applied.map((r) => r.changeId) ?? []));
  const put: OutboxEntry[] = [];
  const drop: string[] = [];
  for (const o of staged) {
    const done = applied.find((a) => a.user === o.user);
    if (done) put.push({ ...entryOf(plan, runId, done, 'ready', until), publishingUntil: until.toISOString() });
    else drop.push(`${o.user.toLowerCase()}#${runId}`);
  }
  return { put, drop };
}

/** `settlement`, written on its own; answers the ready entries. */
export async function settleOffboardings(
  state: Outbox & AuditTrail,
  plan: Plan,
  runId: string,
  triggers: readonly OktaEventRef[],
  source: EventSource,
  result: ApplyResult | undefined,
  until: Date,
): Promise<OutboxEntry[]> {
  const { put, drop } = settlement(plan, runId, triggers, source, result, until);
  await Promise.all([
    ...put.map((entry) => state.putOutbox(entry)),
    ...(drop.length > 0 ? [state.deleteOutbox(plan.organization, drop)] : []),
  ]);
  return put;
}

export interface OutboxPorts {
  state: Outbox & AuditTrail;
  hub: HubOrg;
  events: EventSink;
  clock: () => Date;
}

/**
 * Did a pending entry's change land? Its change records say so; a change left `started` (the run
 * died mid-call) is asked of the Hub — unless a later run has changed the member since: then that
 * run announced its own change, and this one is not told twice.
 */
async function landed(ports: OutboxPorts, entry: OutboxEntry): Promise<boolean> {
  const records = await Promise.all(entry.seqs.map((seq) => ports.state.getChange(entry.runId, seq)));
  if (records.some((r) => r?.outcome === 'applied')) return true;
  const access = records.find((r) => r && r.action !== 'revoke-token' && r.action !== 'suspend-credential' && r.outcome === 'started');
  if (!access) return false; // never started, or failed/held/superseded: nothing was done
  const later = await ports.state.listChanges({
    organization: entry.organization,
    user: entry.user,
    since: access.at,
    outcome: 'applied',
    limit: 5,
  });
  if (later.some((c) => c.runId !== entry.runId)) return false;
  const member = await ports.hub.findMember(entry.user);
  const role = member?.role ?? 'no_access';
  return access.action === 'scim-deactivate' || access.action === 'scim-delete'
    ? member === null
    : role === (access.after?.role ?? 'no_access');
}

export interface OutboxResult {
  published: number;
  dropped: number;
  /** Entries still waiting: their run may still be going, or the bus refused (the next drain retries). */
  left: number;
  error?: string;
}

/**
 * Publishes `own` — the entries this invocation settled and holds the claim of — at once, and
 * whatever else the outbox holds that is ready (or whose run is over and whose change landed).
 */
export async function publishOutbox(ports: OutboxPorts, organization: string, own: readonly OutboxEntry[] = []): Promise<OutboxResult> {
  const now = ports.clock();
  const listing = ports.state.listOutbox(organization);
  listing.catch(() => undefined);
  const mine = new Set(own.map((e) => e.id));
  const first = await send(ports, organization, own);
  const result: OutboxResult = { published: first.published, dropped: 0, left: first.left, ...(first.error ? { error: first.error } : {}) };
  const ready: OutboxEntry[] = [];
  for (const entry of (await listing).filter((e) => !mine.has(e.id))) {
    if (entry.status === 'pending') {
      if (Date.parse(entry.until) > now.getTime()) {
        result.left += 1;
        continue;
      }
      // Unknown (the Hub did not answer) stays for the next drain; a change that did not land is dropped.
      const fate = await landed(ports, entry).catch(() => null);
      if (fate === null) {
        result.left += 1;
        continue;
      }
      if (!fate) {
        await ports.state.deleteOutbox(organization, [entry.id]);
        result.dropped += 1;
        continue;
      }
    }
    // Another invocation is publishing it (it settled it, or claimed it): not ours to try. A burst's
    // deliveries each see the others' entries; asking the table for each would only be refused.
    if (entry.publishingUntil !== undefined && Date.parse(entry.publishingUntil) > now.getTime()) {
      result.left += 1;
      continue;
    }
    // The claim ends with this invocation: a publisher killed mid-call blocks the entry no longer.
    if (await ports.state.claimOutbox(organization, entry.id, new Date(now.getTime() + Math.min(PUBLISH_CLAIM_MS, timeLeft() + 1000)), now))
      ready.push(entry);
    else result.left += 1;
  }
  const rest = await send(ports, organization, ready);
  return {
    published: result.published + rest.published,
    dropped: result.dropped,
    left: result.left + rest.left,
    ...((result.error ?? rest.error) ? { error: result.error ?? rest.error } : {}),
  };
}

/** Publishes claimed entries and deletes them; a refusal gives them back at once (re-put without the claim) for the next drain. */
async function send(
  ports: OutboxPorts,
  organization: string,
  entries: readonly OutboxEntry[],
): Promise<{ published: number; left: number; error?: string }> {
  if (entries.length === 0) return { published: 0, left: 0 };
  try {
    await ports.events.publish(entries.map((e) => e.event));
  } catch (error) {
    await Promise.all(entries.map(({ publishingUntil, ...e }) => ports.state.putOutbox(e))).catch(() => undefined);
    return { published: 0, left: entries.length, error: describeError(error) };
  }
  await ports.state.deleteOutbox(
    organization,
    entries.map((e) => e.id),
  );
  return { published: entries.length, left: 0 };
}
