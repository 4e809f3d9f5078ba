import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../../shared/adapters/huggingface/rate-limiter.js';

describe('retryAfterSeconds: how long a 429 says to wait', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it.each([
    [{ ratelimit: '"api";r=0;t=42', 'retry-after': '5' }, 42],
    [{ 'retry-after': '30' }, 30],
    [{ 'retry-after': 'Sun, 29 Nov 2026 12:01:30 GMT' }, 90],
    [{ 'retry-after': 'Sun, 29 Nov 2026 11:59:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, 1],
    [{}, 1],
  ])('%o → %d s', (headers, seconds) => {
    expect(retryAfterSeconds(new Headers(headers as Record<string, string>), now)).toBe(seconds);
  });
});
