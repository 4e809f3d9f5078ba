import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HubRateLimiter, HubRateLimits } from '../../shared/adapters/huggingface/rate-limiter.js';

/** The Hub limiter's arithmetic, on a fake clock: in-flight calls count, windows roll over, a 429 is the last word. */

const answer = (r: number, t: number, q = 10, w = 60) =>
  new Headers({ ratelimit: `"api";r=${r};t=${t}`, 'ratelimit-policy': `"fixed window";"api";q=${q};w=${w}` });

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-29T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HubRateLimiter', () => {
  it('sends freely until an answer says how much is left, then counts the calls in flight against it', async () => {
    const limiter = new HubRateLimiter();
    await limiter.take('a'); // nothing known yet
    limiter.done(answer(2, 30), 200);
    await limiter.take('b');
    await limiter.take('c');
    let sent = false;
    const d = limiter.take('d').then(() => {
      sent = true;
    });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(sent).toBe(false); // two in flight use the two left
    await vi.advanceTimersByTimeAsync(1_500);
    expect(sent).toBe(true); // the window rolled over: the quota again
    await d;
    expect(limiter.waitedMs).toBeGreaterThanOrEqual(30_000);
  });

  it('a 429 names the reset: nothing is sent before it, even if an earlier answer named a later one', async () => {
    const limiter = new HubRateLimiter();
    await limiter.take('a');
    limiter.done(answer(9, 300), 200);
    await limiter.take('b');
    limiter.done(answer(0, 2), 429);
    let sent = false;
    const c = limiter.take('c').then(() => {
      sent = true;
    });
    await vi.advanceTimersByTimeAsync(1_900);
    expect(sent).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(sent).toBe(true);
    await c;
  });

  it('only Retry-After: waits it out, then sends again until told otherwise', async () => {
    const limiter = new HubRateLimiter();
    await limiter.take('a');
    limiter.done(new Headers({ 'retry-after': '5' }), 429);
    let sent = 0;
    const next = Promise.all([limiter.take('b'), limiter.take('c')]).then(() => {
      sent = 2;
    });
    await vi.advanceTimersByTimeAsync(4_900);
    expect(sent).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    await next;
    expect(sent).toBe(2);
  });
});

describe('HubRateLimits', () => {
  it('gives every client of one token at one Hub the same window, and other tokens or Hubs their own', async () => {
    const limits = new HubRateLimits();
    const admin = limits.for('https://huggingface.co', 'hf_admin');
    expect(limits.for('https://huggingface.co/', 'hf_admin')).toBe(admin); // the origin, not the spelling
    expect(limits.for('https://huggingface.co', 'hf_scim')).not.toBe(admin);
    expect(limits.for('http://127.0.0.1:9000', 'hf_admin')).not.toBe(admin);
    expect(new HubRateLimits().for('https://huggingface.co', 'hf_admin')).not.toBe(admin); // another container
    // What one client learns paces the other: the window the admin token's answer spent.
    admin.done(answer(0, 30), 200);
    let sent = false;
    const waiting = limits
      .for('https://huggingface.co', 'hf_admin')
      .take('b')
      .then(() => {
        sent = true;
      });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(sent).toBe(false);
    await vi.advanceTimersByTimeAsync(1_500);
    await waiting;
    expect(sent).toBe(true);
  });
});
