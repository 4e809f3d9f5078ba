import { createHash } from 'node:crypto';
import { UpstreamError } from '../../runtime/errors.js';
import { timeLeft } from '../../runtime/deadline.js';

/** An answer's headers, as any fetch gives them (Node's own or node-fetch's). */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Pacing for the Hub's fixed-window rate limits, one limiter per token (the Hub counts per token):
 * fed by every answer's `RateLimit: "api";r=<left>;t=<seconds to reset>` and
 * `RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window>`, and by `Retry-After` on a 429 when
 * that is all a server says. A request is sent only while the window has calls left (counting the
 * ones in flight); otherwise it waits for the window's reset — so a long run writes at the rate the
 * Hub allows instead of running into 429s. A wait that would pass the run's deadline stops the run
 * there, saying so.
 */

/**
 * The limiters of one container (the composition keeps one set), one per token at a Hub: every
 * client of a token shares its window. Kept by a hash of the token, never the token itself.
 */
export class HubRateLimits {
  readonly #byToken = new Map<string, HubRateLimiter>();

  for(endpoint: string, token: string): HubRateLimiter {
    const key = `${new URL(endpoint).origin} ${createHash('sha256').update(token).digest('hex')}`;
    let limiter = this.#byToken.get(key);
    if (!limiter) this.#byToken.set(key, (limiter = new HubRateLimiter()));
    return limiter;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds until the window resets, from `RateLimit: "api";r=0;t=42`. */
function rateLimitResetSeconds(header: string | null): number | undefined {
  const match = header ? /(?:^|;)\s*t=(\d+)/.exec(header) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * How long a 429 says to wait, in seconds: the `t=` of `RateLimit` (the window's reset), else
 * `Retry-After` (delta-seconds or an HTTP date, RFC 9110 §10.2.3), else 1.
 * @example retryAfterSeconds(new Headers({ 'retry-after': '30' }), Date.now()) === 30
 */
export function retryAfterSeconds(headers: HeaderReader, now: number): number {
  const reset = rateLimitResetSeconds(headers.get('ratelimit'));
  if (reset !== undefined) return reset;
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter);
  const date = retryAfter ? Date.parse(retryAfter) : Number.NaN;
  return Number.isNaN(date) ? 1 : Math.max(0, Math.ceil((date - now) / 1000));
}

export class HubRateLimiter {
  /** Calls left in the current window as far as we know (null: nothing heard yet). */
  #left: number | null = null;
  #resetAt = 0;
  #quota: number | null = null;
  #windowMs: number | null = null;
  /** Requests sent and not answered yet: the server's `r` does not count them. */
  #inFlight = 0;
  /** Time spent waiting for a window (for figures and logs). */
  waitedMs = 0;

  /** Waits for a call of the window, then counts it as in flight; `done()` when its answer came. */
  async take(operation: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (this.#left !== null && now >= this.#resetAt) {
        // A fixed window rolled over: the full quota again (until an answer says otherwise).
        this.#left = this.#quota;
        this.#resetAt = this.#windowMs === null ? 0 : now + this.#windowMs;
      }
      if (this.#left === null || this.#left - this.#inFlight > 0) {
        this.#inFlight += 1;
        return;
      }
      const wait = Math.max(10, this.#resetAt - now);
      if (wait >= timeLeft())
        throw new UpstreamError(
          'huggingface',
          operation,
          `the rate-limit window resets in ${Math.ceil(wait / 1000)} s, after this run's deadline; the next run continues`,
        );
      this.waitedMs += wait;
      await sleep(wait);
    }
  }

  /**
   * The window as far as we know: calls left (null before any answer said), how long until a
   * call may be sent (0 now; the reset when nothing is left), and how long until the window resets.
   */
  pace(now = Date.now()): { callsLeft: number | null; waitMs: number; resetInMs: number } {
    if (this.#left === null) return { callsLeft: null, waitMs: 0, resetInMs: 0 };
    if (now >= this.#resetAt) return { callsLeft: this.#quota, waitMs: 0, resetInMs: this.#windowMs ?? 0 };
    const left = Math.max(0, this.#left - this.#inFlight);
    return { callsLeft: left, waitMs: left > 0 ? 0 : this.#resetAt - now, resetInMs: this.#resetAt - now };
  }

  /** An answer (or a failure) for a call taken: what its headers say about the window. */
  done(headers: HeaderReader | null, status: number | null, now = Date.now()): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (!headers) return;
    const policy = headers.get('ratelimit-policy');
    const q = policy ? /(?:^|;)\s*q=(\d+)/.exec(policy) : null;
    const w = policy ? /(?:^|;)\s*w=(\d+)/.exec(policy) : null;
    if (q) this.#quota = Number(q[1]);
    if (w) this.#windowMs = Number(w[1]) * 1000;
    const limit = headers.get('ratelimit');
    const r = limit ? /(?:^|;)\s*r=(\d+)/.exec(limit) : null;
    const t = rateLimitResetSeconds(limit);
    if (r && t !== undefined) {
      const resetAt = now + t * 1000;
      if (status === 429) {
        // A refusal is the last word on the window: nothing left until the reset it names.
        this.#left = Number(r[1]);
        this.#resetAt = resetAt;
        return;
      }
      // The server's count is the truth for the window it names (other users of the token included).
      if (resetAt > this.#resetAt + 1000 || this.#left === null) this.#left = Number(r[1]);
      else this.#left = Math.min(this.#left, Number(r[1]));
      this.#resetAt = Math.max(this.#resetAt, resetAt);
      return;
    }
    if (status === 429) {
      // Only Retry-After (a proxy in front of the Hub): nothing left until then. Nothing is known
      // of the quota: after the reset, calls go again until the next 429 says wait.
      this.#left = 0;
      this.#resetAt = now + retryAfterSeconds(headers, now) * 1000;
    }
  }
}
