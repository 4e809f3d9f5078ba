/**
 * Cuts `items` into consecutive chunks of at most `maxCount` items and `maxBytes` bytes (by
 * `sizeOf`), keeping their order; an item alone over `maxBytes` gets a chunk of its own (callers
 * refuse such items first when the limit is hard). Used for SQS batches and stored plan chunks.
 * @example pack([a, b, c], { maxCount: 2, maxBytes: 100, sizeOf: () => 10 }) → [[a, b], [c]]
 */
export function pack<T>(items: Iterable<T>, limits: { maxCount: number; maxBytes: number; sizeOf: (item: T) => number }): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = limits.sizeOf(item);
    if (chunk.length > 0 && (chunk.length === limits.maxCount || bytes + size > limits.maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
