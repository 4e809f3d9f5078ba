import { HubRateLimits } from '../shared/adapters/huggingface/rate-limiter.js';
import { onceUntilFailure } from './once.js';

/**
 * The one per-container cache: what a Lambda container builds once and its warm invocations reuse
 * (the wiring, the secrets read, the clients). A failed asynchronous build is not kept: the next
 * invocation tries again (a throttled Secrets Manager must not poison the container). Nothing else
 * in the composition holds state between invocations; `clearContainerCache` gives a test a fresh container.
 */
const built = new Map<string, unknown>();

/** `build()`'s value under `name`, built on first use. */
export function perContainer<T>(name: string, build: () => T): T {
  if (!built.has(name)) built.set(name, build());
  return built.get(name) as T;
}

/** `build(arg)`'s promise under `name`, built on first use and built again after it fails (once.ts keeps the rule). */
export function perContainerUntilFailure<A, T>(name: string, build: (arg: A) => Promise<T>): (arg: A) => Promise<T> {
  return (arg) => perContainer(name, () => onceUntilFailure(build))(arg);
}

/** The container's Hub pacing: one limiter per token, shared by every Hub client built here. */
export function hubRateLimits(): HubRateLimits {
  return perContainer('hub-rate-limits', () => new HubRateLimits());
}

export function clearContainerCache(): void {
  built.clear();
}
