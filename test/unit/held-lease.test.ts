import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeldLease, type LeaseOps } from '../../shared/runtime/held-lease.js';
import { DeadlineReachedError, LeaseLostError } from '../../shared/runtime/errors.js';

/** The lease timeline with fake timers: renewals while alive, ttl capped by the deadline, loss noticed. */

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-29T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function ops(renew: (ttl: number) => Promise<void> = async () => undefined) {
  const calls: string[] = [];
  const o: LeaseOps = {
    acquire: async (ttl) => {
      calls.push(`acquire ${ttl}`);
    },
    renew: async (ttl) => {
      calls.push(`renew ${ttl}`);
      await renew(ttl);
    },
    release: async () => {
      calls.push('release');
    },
  };
  return { o, calls };
}

describe('HeldLease', () => {
  it('is taken for a heartbeat and renewed every third of one while the run lives', async () => {
    const { o, calls } = ops();
    const lease = await HeldLease.take('lease', o, { deadline: Date.now() + 600_000, heartbeatMs: 60_000 });
    await vi.advanceTimersByTimeAsync(61_000);
    expect(calls).toEqual(['acquire 60000', 'renew 60000', 'renew 60000', 'renew 60000']);
    await lease.release();
    expect(calls.at(-1)).toBe('release');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.filter((c) => c.startsWith('renew'))).toHaveLength(3);
  });

  it('never reaches past the deadline plus the margin', async () => {
    const { o, calls } = ops();
    const lease = await HeldLease.take('lease', o, { deadline: Date.now() + 25_000, heartbeatMs: 60_000, marginMs: 5_000 });
    expect(calls[0]).toBe('acquire 30000');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls.at(-1)).toBe('renew 10000');
    expect(() => lease.check('step verify')).not.toThrow();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(() => lease.check('step verify')).toThrow(DeadlineReachedError);
    await lease.release();
  });

  it('a renewal that finds another owner makes every later check throw, and release leaves their lease alone', async () => {
    const { o, calls } = ops(async () => {
      throw new Error('ConditionalCheckFailed');
    });
    const lease = await HeldLease.take('rotation lease for credential "ci"', o, { deadline: Date.now() + 600_000, heartbeatMs: 3_000 });
    expect(() => lease.check('step create')).not.toThrow();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(() => lease.check('step create')).toThrow(LeaseLostError);
    expect(() => lease.check('step create')).toThrow(/rotation lease for credential "ci" was taken over by another run/);
    await lease.release();
    expect(calls).not.toContain('release');
  });

  it('confirm() is the fence before a write: a conditional renewal that finds another owner stops the run there', async () => {
    let owner = 'me';
    const o: LeaseOps = {
      acquire: async () => undefined,
      renew: async () => {
        if (owner !== 'me') throw new LeaseLostError('lease');
      },
      release: async () => undefined,
    };
    const lease = await HeldLease.take('lease', o, { deadline: Date.now() + 600_000 });
    await expect(lease.confirm('change 1')).resolves.toBeUndefined();
    owner = 'a newer run';
    await expect(lease.confirm('change 2')).rejects.toBeInstanceOf(LeaseLostError);
    expect(() => lease.check('change 3')).toThrow(LeaseLostError);
    await lease.release();
  });
});
