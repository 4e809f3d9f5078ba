import { describe, expect, it } from 'vitest';
import { runOutcome, runSucceeded } from '../../../shared/domain/run-outcome.js';

/** The one rule for a run's outcome, whichever kind of run counted what it did. */

const counts = { planned: 10, applied: 10, failed: 0, held: 0, blocked: 0 };

describe('runOutcome', () => {
  it('is stopped before it reached every change, whatever else happened', () => {
    expect(runOutcome({ ...counts, applied: 4, failed: 1, unfinished: true })).toBe('stopped');
  });
  it('is partial when some changes failed or were held and others applied, failed when none applied', () => {
    expect(runOutcome({ ...counts, applied: 9, failed: 1 })).toBe('partial');
    expect(runOutcome({ ...counts, applied: 9, held: 1 })).toBe('partial');
    expect(runOutcome({ ...counts, applied: 0, failed: 10 })).toBe('failed');
  });
  it('is blocked when a guard held changes back, with or without others applied; no-changes when there was nothing to do', () => {
    expect(runOutcome({ ...counts, blocked: 2 })).toBe('blocked');
    expect(runOutcome({ planned: 0, applied: 0, failed: 0, held: 0, blocked: 3 })).toBe('blocked');
    expect(runOutcome({ planned: 0, applied: 0, failed: 0, held: 0, blocked: 0 })).toBe('no-changes');
  });
  it('is succeeded when every planned change was made', () => {
    expect(runOutcome(counts)).toBe('succeeded');
  });
  it('counts succeeded, no-changes and blocked as runs that did what they were for', () => {
    expect(['succeeded', 'no-changes', 'blocked', 'partial', 'failed', 'stopped', 'aborted', undefined].map(runSucceeded)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
