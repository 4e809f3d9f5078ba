import { SANDBOX_HF_TOKEN } from '../../sandbox/seed.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../sandbox/http-kit.js';
import { credentialsYaml, startRotationEnv, tokensOf, type RotationEnv } from '../helpers/rotation-env.js';

/**
 * A failure at each step of a rotation leaves consumers on a token the Hub accepts, is recorded and
 * alerted, and the next run finishes the same rotation without minting a second new token.
 */

const SECRET = 'hf-iam-sync/test/ci';
const DAY = 86_400_000;
const awsFault = (operation: string): Fault => ({
  method: 'POST',
  path: /^\/$/,
  header: { name: 'x-amz-target', value: new RegExp(`\\.${operation}$`) },
  status: 500,
  body: { __type: 'InternalServiceError', message: 'injected failure' },
  times: 10,
});

let env: RotationEnv;
beforeEach(async () => {
  env = await startRotationEnv();
  await env.rotate();
  env.advance(8 * DAY);
});
afterEach(async () => {
  await env.stop();
});

const mints = () => env.sandbox.hub.count(/service-accounts\/[^/]+\/tokens$/, 'POST');

describe.each([
  { step: 'create', where: 'hub', fault: { method: 'POST', path: /service-accounts\/[^/]+\/tokens$/, status: 500 } as Fault },
  { step: 'store', where: 'secrets', fault: awsFault('PutSecretValue') },
  { step: 'verify', where: 'hub', fault: { method: 'GET', path: /^\/api\/whoami-v2$/, status: 503, times: 10 } as Fault },
  { step: 'promote', where: 'secrets', fault: awsFault('UpdateSecretVersionStage') },
])('a failure at "$step"', ({ step, where, fault }) => {
  it('keeps consumers on a working token, alerts, and the next run completes the rotation', async () => {
    const old = env.secrets.valueAt(SECRET)!;
    (where === 'hub' ? env.sandbox.hub : env.secrets).inject(fault);
    const failed = (await env.rotate()).results[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', failedStep: step, overdue: true });
    expect(env.consumerCheck(SECRET)).toEqual({ value: old, accepted: true });
    expect(env.bus.received.at(-1)).toMatchObject({
      detailType: 'hf-iam-sync.RotationFailed',
      detail: { credential: 'ci', step, attempts: 1, consumersOn: { last4: old.slice(-4) } },
    });
    const state = await env.ports.store.getCredentialState('ci');
    expect(state?.rotation).toMatchObject({ attempts: 1, lastError: { message: expect.any(String) } });

    env.sandbox.hub.clearFaults();
    env.secrets.clearFaults();
    const mintedBefore = mints();
    const resumed = (await env.rotate()).results[0]!;
    expect(resumed).toMatchObject({ outcome: 'rotated', overdue: false });
    expect(resumed.detail).toContain(`rotation ${state!.rotation!.rotationId} stopped before`);
    const fresh = env.consumerCheck(SECRET);
    expect(fresh.accepted).toBe(true);
    expect(fresh.value).not.toBe(old);
    expect(env.sandbox.hub.accepts(old)).toBe(true); // still in its grace period
    expect(tokensOf(env)).toHaveLength(2); // the old one and exactly one new one
    // Past "create", the resumed run reuses the token it already made.
    expect(mints() - mintedBefore).toBe(step === 'create' || step === 'store' ? 1 : 0);
  });
});

describe('a failure deleting the old token', () => {
  it('is retried by the next run; the new token is current throughout', async () => {
    await env.rotate();
    const current = env.secrets.valueAt(SECRET)!;
    const old = env.secrets.valueAt(SECRET, 'AWSPREVIOUS')!;
    env.advance(2 * 3_600_000);
    env.sandbox.hub.inject({ method: 'DELETE', path: /tokens\/[^/]+$/, status: 500, times: 10 });
    const failed = (await env.rotate()).results[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', failedStep: 'delete-old', deleted: [] });
    expect(env.bus.received.at(-1)).toMatchObject({
      detailType: 'hf-iam-sync.RotationFailed',
      detail: { step: 'delete-old', last4: old.slice(-4) },
    });
    expect(env.consumerCheck(SECRET)).toEqual({ value: current, accepted: true });
    env.sandbox.hub.clearFaults();
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'up-to-date', deleted: [{ last4: old.slice(-4) }] });
    expect(env.sandbox.hub.accepts(old)).toBe(false);
  });
});

describe('in-place strategy', () => {
  it("rotates with the Hub's rotate call, and has a gap: the old token dies before the new one is current", async () => {
    await env.stop();
    env = await startRotationEnv(credentialsYaml().replace('    gracePeriod: 1h\n', '    strategy: in-place\n'));
    await env.rotate();
    const v1 = env.secrets.valueAt(SECRET)!;
    env.advance(8 * DAY);
    // Stop the run after the Hub's rotate and before promotion: this is the gap.
    env.sandbox.hub.inject({ method: 'GET', path: /^\/api\/whoami-v2$/, status: 503, times: 10 });
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(env.consumerCheck(SECRET)).toEqual({ value: v1, accepted: false });
    env.sandbox.hub.clearFaults();
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated', deleted: [] });
    const v2 = env.consumerCheck(SECRET);
    expect(v2.accepted).toBe(true);
    expect(env.sandbox.hub.count(/\/rotate$/, 'POST')).toBe(1);
    expect(tokensOf(env)).toHaveLength(1);
    const versions = await env.ports.store.listVersions('ci');
    expect(versions.map((v) => v.stage)).toEqual(['deleted', 'current']);
  });

  it('after a rotate whose new value never reached the secret, rotates the replacement token again rather than minting another', async () => {
    await env.stop();
    env = await startRotationEnv(credentialsYaml().replace('    gracePeriod: 1h\n', '    strategy: in-place\n'));
    await env.rotate();
    env.advance(8 * DAY);
    env.secrets.inject({
      method: 'POST',
      path: /^\/$/,
      header: { name: 'x-amz-target', value: /PutSecretValue$/ },
      status: 500,
      body: { __type: 'InternalServiceError', message: 'x' },
      times: 10,
    });
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'failed', failedStep: 'store' });
    env.secrets.clearFaults();
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated' });
    expect(env.consumerCheck(SECRET).accepted).toBe(true);
    expect(env.sandbox.hub.count(/\/rotate$/, 'POST')).toBe(2);
    expect(tokensOf(env)).toHaveLength(1);
  });
});

describe('a pending token deleted on the Hub by hand', () => {
  it('is discarded, and the next run starts a new rotation that completes', async () => {
    const old = env.secrets.valueAt(SECRET)!;
    env.sandbox.hub.inject({ method: 'GET', path: /^\/api\/whoami-v2$/, status: 503, times: 10 });
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    env.sandbox.hub.clearFaults();
    const pending = tokensOf(env).at(-1)!;
    await fetch(`${env.sandbox.hub.baseUrl}/api/organizations/acme/service-accounts/${env.serviceAccount.id}/tokens/${pending}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${SANDBOX_HF_TOKEN}` },
    });

    const discarded = (await env.rotate()).results[0]!;
    expect(discarded).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(discarded.detail).toContain('the next run starts a new rotation');
    expect(env.consumerCheck(SECRET)).toEqual({ value: old, accepted: true });
    expect((await env.ports.store.getCredentialState('ci'))?.rotation).toBeNull();

    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated' });
    expect(env.consumerCheck(SECRET).accepted).toBe(true);
    expect((await env.ports.store.listVersions('ci')).map((v) => v.stage).sort()).toEqual(['current', 'discarded', 'previous']);
  });
});

describe('interruptions', () => {
  it('a stored value whose answer was lost is picked up, not minted again', async () => {
    // PutSecretValue does its work, then every connection drops before the answer (the SDK retries too).
    env.secrets.inject({
      method: 'POST',
      path: /^\/$/,
      header: { name: 'x-amz-target', value: /PutSecretValue$/ },
      status: 0,
      reset: true,
      afterRoute: true,
      times: 10,
    });
    const before = mints();
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated' });
    expect(mints() - before).toBe(1);
    expect(env.consumerCheck(SECRET).accepted).toBe(true);
    expect(tokensOf(env)).toHaveLength(2);
  });

  it('a run that dies after storing the token, before recording it, resumes without a second token', async () => {
    const real = env.ports.store;
    let crash = true;
    // The process "dies" at the first write after the secret holds the new token.
    env.ports.store = new Proxy(real, {
      get(target, key) {
        const value = Reflect.get(target, key) as (...a: unknown[]) => unknown;
        if (key === 'putVersion' && crash)
          return async () => {
            crash = false;
            throw new Error('process killed');
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const before = mints();
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'failed' });
    const pending = env.secrets.valueAt(SECRET, 'AWSPENDING');
    expect(pending).toMatch(/^hf_/);
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated' });
    expect(mints() - before).toBe(1);
    expect(env.secrets.valueAt(SECRET)).toBe(pending);
    expect(tokensOf(env)).toHaveLength(2);
  });
});
