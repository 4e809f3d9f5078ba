import { describe, expect, it } from 'vitest';
import { pack } from '../../../shared/runtime/pack.js';

describe('pack', () => {
  it('cuts at the count and before the bytes would pass, in order; an item over the bytes alone gets its own chunk', () => {
    const sizeOf = (n: number) => n;
    expect(pack([1, 1, 1, 1, 1], { maxCount: 2, maxBytes: 100, sizeOf })).toEqual([[1, 1], [1, 1], [1]]);
    expect(pack([60, 30, 20, 100, 5], { maxCount: 10, maxBytes: 100, sizeOf })).toEqual([[60, 30], [20], [100], [5]]);
    expect(pack([150, 1], { maxCount: 10, maxBytes: 100, sizeOf })).toEqual([[150], [1]]);
    expect(pack([], { maxCount: 10, maxBytes: 100, sizeOf })).toEqual([]);
  });
});
