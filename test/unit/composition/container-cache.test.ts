import { afterEach, describe, expect, it } from 'vitest';
import { clearContainerCache, perContainerUntilFailure } from '../../../composition/container-cache.js';

afterEach(() => clearContainerCache());

describe('the per-container cache', () => {
  it('builds once for warm invocations, builds again after a failed build, and starts over in a fresh container', async () => {
    let builds = 0;
    let failNext = true;
    const secret = perContainerUntilFailure('test-secret', async (env: { name: string }) => {
      builds += 1;
      if (failNext) {
        failNext = false;
        throw new Error('ThrottlingException: Rate exceeded');
      }
      return `${env.name}-${builds}`;
    });
    await expect(secret({ name: 'a' })).rejects.toThrow(/ThrottlingException/);
    expect(await secret({ name: 'a' })).toBe('a-2');
    expect(await secret({ name: 'b' })).toBe('a-2');
    expect(builds).toBe(2);
    clearContainerCache();
    expect(await secret({ name: 'c' })).toBe('c-3');
  });
});
