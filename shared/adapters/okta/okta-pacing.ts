import { oktaRateShare } from '../../runtime/okta-rate-share.js';
import { timeLeft } from '../../runtime/deadline.js';

/**
 * Pacing for Okta's per-minute rate-limit buckets, fed by every answer's `X-Rate-Limit-Limit`,
 * `-Remaining` and `-Reset` (epoch seconds): a request never goes into a bucket that has nothing
 * left for it — it waits for the reset instead of meeting a 429. Okta's buckets are shared by every
 * client of the org, so a bulk run (an org reconcile, see okta-rate-share.ts) uses at most half of
 * each (Okta's own advice for one app or token); an offboarding may use all of it. A wait past the
 * run's deadline stops the run there, saying so.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Bucket {
  limit: number;
  remaining: number;
  resetAt: number;
  inFlight: number;
}

/**
 * The bucket a request counts against, coarsely: its resource (`/api/v1/users`, `/api/v1/groups`,
 * `/api/v1/logs`). Okta splits some of these further (a user by id has a bigger bucket than the
 * list); counting them together only ever waits earlier, never later.
 */
export function oktaBucketOf(url: string): string {
  const path = new URL(url, 'http://okta').pathname;
  return /^\/api\/v1\/[^/]+/.exec(path)?.[0] ?? path;
}

export class OktaPacer {
  readonly #buckets = new Map<string, Bucket>();
  /** Time spent waiting for a bucket (figures and tests). */
  waitedMs = 0;

  async take(bucket: string): Promise<void> {
    for (;;) {
      let b = this.#buckets.get(bucket);
      if (!b) this.#buckets.set(bucket, (b = { limit: Number.NaN, remaining: Number.NaN, resetAt: 0, inFlight: 0 }));
      const now = Date.now();
      // Nothing heard of this bucket yet: one request at a time until the first answer says how full it is.
      const unknown = Number.isNaN(b.limit);
      const keep = b.limit * (1 - oktaRateShare());
      if ((unknown && b.inFlight === 0) || (!unknown && (now >= b.resetAt || b.remaining - b.inFlight > keep))) {
        b.inFlight += 1;
        return;
      }
      const wait = unknown ? 10 : Math.max(10, b.resetAt - now);
      if (wait >= timeLeft())
        throw new Error(
          `Okta's rate-limit bucket ${bucket} has no more room for this run and resets in ${Math.ceil(wait / 1000)} s, after this run's deadline; the next run continues`,
        );
      this.waitedMs += wait;
      await sleep(wait);
    }
  }

  done(bucket: string, headers: { get(name: string): string | null } | null): void {
    const b = this.#buckets.get(bucket);
    if (!b) return;
    b.inFlight = Math.max(0, b.inFlight - 1);
    const limit = Number(headers?.get('x-rate-limit-limit'));
    const remaining = Number(headers?.get('x-rate-limit-remaining'));
    const reset = Number(headers?.get('x-rate-limit-reset'));
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset) || !headers?.get('x-rate-limit-limit')) return;
    const resetAt = reset * 1000;
    // A later window's count replaces the old one; within a window, the lowest count is the truth.
    b.remaining = resetAt > b.resetAt || Number.isNaN(b.remaining) ? remaining : Math.min(b.remaining, remaining);
    b.limit = Number.isNaN(b.limit) ? limit : Math.min(b.limit, limit);
    b.resetAt = Math.max(b.resetAt, resetAt);
  }
}
