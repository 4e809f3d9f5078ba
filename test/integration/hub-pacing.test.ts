import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hubRateLimits } from '../../composition/container-cache.js';
import { reconcile } from '../../shared/reconcile/reconcile.js';
import { SANDBOX_HF_TOKEN } from '../../sandbox/seed.js';
import { addLinkedPeople } from '../helpers/cli-sandbox.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * Pacing to the Hub's fixed windows: a run with more writes than a window allows waits for the
 * window instead of running into 429s (RateLimit / RateLimit-Policy), and when a server sends only
 * Retry-After, every change still lands.
 */

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ configure: (text) => text.replace('maxRemovals: 10', 'maxRemovals: 100') });
});
afterEach(async () => {
  await h.stop();
});

const apply = { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 'test' } as const;

describe("pacing to Okta's buckets", () => {
  it("an org read never takes Okta's group bucket below half: it waits for the reset instead of meeting a 429", async () => {
    const { okta } = h.sandbox;
    addLinkedPeople(h.sandbox, 30, 'hf-acme-write', 'read');
    okta.rateLimits = { ...okta.rateLimits, groups: 4 };
    okta.windowSeconds = 2;
    const outcome = await reconcile(h.composition.ports, h.config, { ...apply, dryRun: true });
    expect(outcome.plan.errored).toBe(false);
    const groupCalls = okta.calls.filter((c) => c.path.startsWith('/api/v1/groups'));
    expect(groupCalls.length).toBeGreaterThan(4); // more than a whole bucket in all
    expect(okta.calls.filter((c) => c.status === 429)).toEqual([]);
  }, 60_000);
});

describe("pacing to the Hub's rate limit", () => {
  it('60 upgrades against a quota of 25 calls per 2-second window: all applied, no 429, in about three windows', async () => {
    const { hub } = h.sandbox;
    addLinkedPeople(h.sandbox, 60, 'hf-acme-write', 'read');
    hub.quota = 25;
    hub.windowSeconds = 2;
    const outcome = await reconcile(h.composition.ports, h.config, { ...apply, execution: { concurrency: 8 } });
    expect(outcome.result!.failed).toEqual([]);
    expect(Array.from({ length: 60 }, (_, i) => hub.member(`p${i}`)?.role).every((r) => r === 'write')).toBe(true);
    expect(hub.calls.filter((c) => c.status === 429)).toEqual([]);
    // It did wait for windows (the run's 70-odd calls cannot fit in one): the limiter says so.
    expect(hubRateLimits().for(h.sandbox.hub.baseUrl, SANDBOX_HF_TOKEN).waitedMs).toBeGreaterThan(0);
  }, 60_000);

  it('with only Retry-After on a 429, every change still lands', async () => {
    const { hub } = h.sandbox;
    addLinkedPeople(h.sandbox, 40, 'hf-acme-write', 'read');
    hub.quota = 20;
    hub.windowSeconds = 1;
    hub.rateLimitHeaders = 'retry-after-only';
    const outcome = await reconcile(h.composition.ports, h.config, { ...apply, execution: { concurrency: 8 } });
    expect(outcome.result!.failed).toEqual([]);
    expect(Array.from({ length: 40 }, (_, i) => hub.member(`p${i}`)?.role).every((r) => r === 'write')).toBe(true);
    expect(hub.calls.filter((c) => c.status === 429).length).toBeGreaterThan(0); // it had to learn the window the hard way
  }, 60_000);
});
