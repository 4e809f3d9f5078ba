import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How much of a shared rate-limit bucket (Okta's per-minute buckets serve every client of the org)
 * the run this code is part of may use: an organization reconcile reads in bulk and leaves half
 * for everyone else; an offboarding may use all of it — it must not wait behind its own politeness.
 */

const store = new AsyncLocalStorage<number>();

export function withOktaRateShare<T>(share: number, work: () => Promise<T>): Promise<T> {
  return store.run(share, work);
}

/** The current run's share (1 outside a bulk run). */
export function oktaRateShare(): number {
  return store.getStore() ?? 1;
}
