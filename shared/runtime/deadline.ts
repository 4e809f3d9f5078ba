import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The deadline of the run this code is part of (epoch ms, real time), carried with the async
 * context like Powertools' Lambda context: the use case sets it once from the invocation
 * (`context.getRemainingTimeInMillis()`, or the CLI's `--deadline`), and every outbound request
 * reads it to bound its own timeout and every wait (a retry back-off, a rate-limit window), so
 * nothing outlives the invocation that started it.
 */

const store = new AsyncLocalStorage<number>();

/** Runs `work` with `deadline` as the run's deadline. */
export function withDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  return store.run(deadline, work);
}

/** Milliseconds left before the run's deadline (Infinity outside a run). */
export function timeLeft(): number {
  const deadline = store.getStore();
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

/** Timeout for one request: its own cap, never past the run's deadline (at least 1 ms). */
export function requestTimeout(capMs: number): number {
  return Math.max(1, Math.min(capMs, timeLeft()));
}

/** The longest a run may take when nothing says otherwise: Lambda's longest invocation. */
export const DEFAULT_RUN_MS = 15 * 60_000;

/** A run's deadline: the one it was given, else the enclosing run's, else DEFAULT_RUN_MS from now. */
export function runDeadline(explicit: number | undefined): number {
  if (explicit !== undefined) return Math.min(explicit, Date.now() + timeLeft());
  const left = timeLeft();
  return Date.now() + (Number.isFinite(left) ? left : DEFAULT_RUN_MS);
}
