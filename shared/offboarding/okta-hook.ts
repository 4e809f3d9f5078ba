import { createHash, timingSafeEqual } from 'node:crypto';
import type { EventOutcome } from './handle-okta-events.js';

/**
 * Okta Event Hooks over a Lambda Function URL: the one-time verification GET, the shared-secret
 * check, and the delivery POST. Pure request → response logic; the handler wires it.
 *
 *   GET  + x-okta-verification-challenge  → 200 {"verification": <challenge>}
 *   POST + Authorization = secret         → events processed, 200 with per-event outcomes
 *   wrong or missing Authorization        → 401 (nothing read, nothing processed)
 */

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

const json = (statusCode: number, body: unknown): HookResponse => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Constant-time comparison: hashing first makes the lengths equal, so nothing leaks through timing. */
export function secretMatches(given: string | undefined, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given ?? ''), digest(expected)) && given !== undefined;
}

export async function handleHookRequest(
  request: HookRequest,
  secret: string,
  process: (events: unknown[]) => Promise<EventOutcome[]>,
): Promise<{ response: HookResponse; outcome: string }> {
  const header = (name: string) => request.headers[name] ?? request.headers[name.toLowerCase()];
  if (!secretMatches(header('authorization'), secret)) {
    return { response: json(401, { error: 'Authorization header does not match the configured event hook secret' }), outcome: 'rejected: wrong or missing Authorization header' };
  }
  const method = request.method.toUpperCase();
  if (method === 'GET') {
    const challenge = header('x-okta-verification-challenge');
    if (!challenge) return { response: json(400, { error: 'missing x-okta-verification-challenge header' }), outcome: 'rejected: GET without a challenge' };
    return { response: json(200, { verification: challenge }), outcome: 'verified' };
  }
  if (method !== 'POST') return { response: json(405, { error: `method ${method} not allowed` }), outcome: `rejected: method ${method}` };
  let events: unknown;
  try {
    events = (JSON.parse(request.body ?? '') as { data?: { events?: unknown } }).data?.events;
  } catch {
    return { response: json(400, { error: 'body is not JSON' }), outcome: 'rejected: body is not JSON' };
  }
  if (!Array.isArray(events)) return { response: json(400, { error: 'body has no data.events array' }), outcome: 'rejected: no data.events array' };
  const outcomes = await process(events);
  return { response: json(200, { received: events.length, outcomes }), outcome: `delivered ${events.length} event(s)` };
}
