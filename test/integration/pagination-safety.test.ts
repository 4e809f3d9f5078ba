import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StandInServer } from '../../sandbox/http-kit.js';
import { reconcile, type ReconcileRequest } from '../../shared/reconcile/reconcile.js';
import { IncompleteReadError } from '../../shared/runtime/errors.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { foreignNextLink, malformedNextLink } from '../helpers/link-faults.js';

/**
 * A page whose next link is malformed is a failed read, never the last page; a next link to another
 * origin is never followed, so neither the Hub token nor the Okta credentials are sent there. Either
 * way the run stops before any write.
 */

const apply: Omit<ReconcileRequest, 'approval'> = { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 'test' };
let h: Harness;
let elsewhere: StandInServer;
beforeEach(async () => {
  h = await startHarness();
  elsewhere = new StandInServer();
  elsewhere.route('GET', '/{any}', () => ({ status: 200, body: [] }));
  await elsewhere.start();
  h.sandbox.okta.maxPageSize = 2;
  h.sandbox.hub.maxPageSize = 3;
});
afterEach(async () => {
  await h.stop();
  await elsewhere.stop();
});

const writes = () => h.sandbox.hub.count(/\/role$/, 'PUT');

describe('next links', () => {
  it.each([
    ['the Hub', 'hub', /\/members$/, /malformed Link header \(rel="next" without a <URL>\)/],
    ['Okta', 'okta', /\/groups\/[^/]+\/users$/, /malformed Link header \(rel="next" without a <URL>\)/],
  ] as const)('a malformed next link from %s is a failed read: no write, the run says why', async (_name, side, path, message) => {
    h.sandbox[side].inject({ method: 'GET', path, status: 200, rewrite: malformedNextLink, times: 50 });
    const failure = await reconcile(h.composition.ports, h.config, apply).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IncompleteReadError);
    expect((failure as Error).message).toMatch(message);
    expect(writes()).toBe(0);
  });

  it.each([
    ['the Hub', 'hub', /\/members$/, /refused to send HF_TOKEN to http:\/\/127\.0\.0\.1:\d+|next link points to http:\/\/127\.0\.0\.1:\d+/],
    ['Okta', 'okta', /\/groups\/[^/]+\/users$/, /next link points to http:\/\/127\.0\.0\.1:\d+|refused to send the Okta credentials/],
  ] as const)(
    'a next link from %s to another origin is not followed: no token is sent there, no write',
    async (_name, side, path, message) => {
      h.sandbox[side].inject({ method: 'GET', path, status: 200, rewrite: foreignNextLink(elsewhere.baseUrl), times: 50 });
      const failure = await reconcile(h.composition.ports, h.config, apply).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(IncompleteReadError);
      expect((failure as Error).message).toMatch(message);
      expect(elsewhere.calls).toEqual([]);
      expect(writes()).toBe(0);
    },
  );
});

describe('bounded time', () => {
  it.each([
    [
      'Okta',
      'okta',
      /\/groups\/[^/]+\/users$/,
      /^Reading Okta users and group members failed, so nothing was changed: okta: .*(timeout|deadline)/,
    ],
    [
      'Hub',
      'hub',
      /\/members$/,
      /^Reading Hub members failed, so nothing was changed: huggingface: list organization members failed: (no complete answer within \d+ ms|.*deadline)/,
    ],
  ] as const)('a hung %s ends the run by its deadline, says which service, and writes nothing', async (_name, side, path, message) => {
    h.sandbox[side].inject({ method: 'GET', path, status: 200, hang: true, times: 100 });
    const failure = await reconcile(h.composition.ports, h.config, { ...apply, deadline: Date.now() + 1_500 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IncompleteReadError);
    expect((failure as Error).message).toMatch(message);
    expect(writes()).toBe(0);
    // The lease ended with the run: the next one starts at once.
    h.sandbox[side].clearFaults();
    expect((await reconcile(h.composition.ports, h.config, apply)).outcome).toBeDefined();
  });

  it("an Okta rate-limit bucket that resets after the run's deadline ends the run at once, saying so; one that resets in time is waited out", async () => {
    const { okta } = h.sandbox;
    const limited = (inSeconds: number) => ({
      method: 'GET',
      path: /^\/api\/v1\/groups$/,
      status: 429,
      times: 1,
      headers: {
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + inSeconds),
      },
      body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
    });
    okta.inject(limited(50));
    const failure = await reconcile(h.composition.ports, h.config, { ...apply, deadline: Date.now() + 3_000 }).catch((e: unknown) => e);
    expect((failure as Error).message).toMatch(
      /okta: search groups failed: rate limited \(429\), and the bucket resets after this run's deadline/,
    );
    expect(writes()).toBe(0);
    okta.clearFaults();
    okta.inject(limited(1));
    expect((await reconcile(h.composition.ports, h.config, { ...apply, deadline: Date.now() + 20_000 })).outcome).not.toBe('failed');
  });
});
