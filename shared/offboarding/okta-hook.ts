import { createHash, timingSafeEqual } from 'node:crypto';
import { parseLogEvent } from '../domain/okta-event.js';
import type { EventQueue } from '../ports/event-queue.js';

/**
 * Okta Event Hooks over a Lambda Function URL: the one-time verification GET, the shared-secret
 * check, and the delivery POST. Pure request → response logic; the handler wires it.
 *
 *   GET  + x-okta-verification-challenge  → 200 {"verification": <challenge>}
 *   POST + Authorization = secret         → events queued (SQS), 200 with per-event outcomes
 *   wrong or missing Authorization        → 401 (nothing read, nothing processed)
 *   not JSON, not application/json, over 1 MiB, no data.events → 400 / 415 / 413 with the reason
 *
 * Okta waits 3 s for the answer, so the hook processes nothing itself: it checks each event and
 * puts the relevant ones on the queue the okta-event function consumes (the same queue EventBridge
 * delivers to). It needs neither Okta, nor the Hub, nor the table: its cold start stays small.
 */

/** What the hook says about one event of a delivery. */
export interface HookOutcome {
  uuid: string | null;
  outcome: 'queued' | 'ignored' | 'rejected' | 'failed';
  detail: string;
}

/** Far above any Okta delivery (tens of events); a body over it is refused before it is parsed. */
const MAX_HOOK_BODY_BYTES = 1_048_576;

export interface HookRequest {
  method: string;
  headers: Record<string, string | undefined>;
  body: string | undefined;
}

export interface HookResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const json = (statusCode: number, body: unknown): HookResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Constant-time comparison: hashing first makes the lengths equal, so nothing leaks through timing. */
function secretMatches(given: string | undefined, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given ?? ''), digest(expected)) && given !== undefined;
}

export async function handleHookRequest(
  request: HookRequest,
  secret: string,
  process: (events: unknown[]) => Promise<HookOutcome[]>,
): Promise<{ response: HookResponse; outcome: string }> {
  const header = (name: string) => request.headers[name] ?? request.headers[name.toLowerCase()];
  if (!secretMatches(header('authorization'), secret)) {
    return {
      response: json(401, { error: 'Authorization header does not match the configured event hook secret' }),
      outcome: 'rejected: wrong or missing Authorization header',
    };
  }
  const method = request.method.toUpperCase();
  if (method === 'GET') {
    const challenge = header('x-okta-verification-challenge');
    if (!challenge)
      return {
        response: json(400, { error: 'missing x-okta-verification-challenge header' }),
        outcome: 'rejected: GET without a challenge',
      };
    return { response: json(200, { verification: challenge }), outcome: 'verified' };
  }
  if (method !== 'POST') return { response: json(405, { error: `method ${method} not allowed` }), outcome: `rejected: method ${method}` };
  const type = header('content-type');
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    return {
      response: json(415, { error: `content-type ${type} is not accepted: Okta delivers application/json` }),
      outcome: `rejected: content-type ${type}`,
    };
  }
  const size = Buffer.byteLength(request.body ?? '');
  if (size > MAX_HOOK_BODY_BYTES) {
    return {
      response: json(413, { error: `body is ${size} bytes, over the ${MAX_HOOK_BODY_BYTES}-byte limit of this endpoint` }),
      outcome: `rejected: ${size}-byte body`,
    };
  }
  let events: unknown;
  try {
    events = (JSON.parse(request.body ?? '') as { data?: { events?: unknown } }).data?.events;
  } catch {
    return { response: json(400, { error: 'body is not JSON' }), outcome: 'rejected: body is not JSON' };
  }
  if (!Array.isArray(events))
    return { response: json(400, { error: 'body has no data.events array' }), outcome: 'rejected: no data.events array' };
  const outcomes = await process(events);
  return { response: json(200, { received: events.length, outcomes }), outcome: `delivered ${events.length} event(s)` };
}

/**
 * Checks each event of a delivery and queues the relevant ones, one message each
 * (`{"source":"hook","event":…}`). Malformed and irrelevant events are answered at once (a retry
 * cannot fix them); an event the queue refuses is reported `failed` — the System Log poll still
 * finds it.
 */
export async function queueHookEvents(queue: EventQueue, events: readonly unknown[]): Promise<HookOutcome[]> {
  const outcomes: HookOutcome[] = [];
  const bodies: string[] = [];
  const positions: number[] = [];
  for (const item of events) {
    const parsed = parseLogEvent(item);
    if (parsed.kind === 'malformed') outcomes.push({ uuid: parsed.uuid, outcome: 'rejected', detail: parsed.reason });
    else if (parsed.kind === 'ignored') outcomes.push({ uuid: parsed.uuid, outcome: 'ignored', detail: parsed.reason });
    else {
      positions.push(outcomes.length);
      bodies.push(JSON.stringify({ source: 'hook', event: item }));
      outcomes.push({ uuid: parsed.event.uuid, outcome: 'queued', detail: 'queued for okta-event' });
    }
  }
  if (bodies.length === 0) return outcomes;
  const refused = await queue.send(bodies);
  for (const { index, reason } of refused) {
    const outcome = outcomes[positions[index]!]!;
    outcomes[positions[index]!] = { ...outcome, outcome: 'failed', detail: `not queued (${reason}); the System Log poll will find it` };
  }
  return outcomes;
}
