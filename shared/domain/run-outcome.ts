/**
 * A run's outcome: one rule for person runs, organization jobs and saved-plan applies (each counts
 * what it did; what counts as failed is the caller's: a saved plan's stale and superseded changes
 * are refused changes, an organization run's superseded ones were decided by a later run).
 *
 *   not every change reached (a job's cursor short of its total)   → stopped
 *   any change failed or held                                        → partial (some applied) / failed (none)
 *   nothing to change                                                → blocked (a guard held changes back) / no-changes
 *   a guard held changes back                                        → blocked
 *   else                                                             → succeeded
 */

export type RunOutcome = 'succeeded' | 'partial' | 'failed' | 'blocked' | 'no-changes' | 'aborted' | 'stopped';

export interface RunCounts {
  /** Changes the run set out to make. */
  planned: number;
  applied: number;
  failed: number;
  held: number;
  /** Changes a guard held back (not in `planned`). */
  blocked: number;
  /** The run ended before it reached every change. */
  unfinished?: boolean;
}

/** @example runOutcome({ planned: 10, applied: 9, failed: 1, held: 0, blocked: 0 }) === 'partial' */
export function runOutcome(c: RunCounts): Exclude<RunOutcome, 'aborted'> {
  if (c.unfinished) return 'stopped';
  if (c.failed > 0 || c.held > 0) return c.applied > 0 ? 'partial' : 'failed';
  if (c.planned === 0) return c.blocked > 0 ? 'blocked' : 'no-changes';
  if (c.blocked > 0) return 'blocked';
  return 'succeeded';
}

/** A run that did what it was for: every change made, or held back by a guard on purpose. */
export function runSucceeded(outcome: string | undefined): boolean {
  return outcome === 'succeeded' || outcome === 'no-changes' || outcome === 'blocked';
}
