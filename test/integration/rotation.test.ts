import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { whoAmI } from '@huggingface/hub';
import { SANDBOX_HF_TOKEN } from '../../sandbox/seed.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRotationEnv, tokensOf, type RotationEnv } from '../helpers/rotation-env.js';

/**
 * Overlap rotation of a service-account token end to end: the real adapters against the Hub,
 * Secrets Manager and EventBridge stand-ins and dynalite. A consumer that keeps reading AWSCURRENT
 * (with the AWS SDK) and using it (with @huggingface/hub's whoAmI) must never hold a rejected token.
 */

const SECRET = 'hf-iam-sync/test/ci';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let env: RotationEnv;
beforeEach(async () => {
  env = await startRotationEnv();
});
afterEach(async () => {
  await env.stop();
});

/** A job that reads the secret and calls the Hub with it, as fast as it can, until stopped. */
function startConsumer(e: RotationEnv) {
  const client = new SecretsManagerClient({
    endpoint: e.secrets.baseUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const seen = new Set<string>();
  const rejected: string[] = [];
  let reads = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const value = (await client.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString!;
      seen.add(value);
      try {
        await whoAmI({ accessToken: value, hubUrl: e.sandbox.hub.baseUrl });
      } catch (error) {
        rejected.push(`…${value.slice(-4)}: ${String(error)}`);
      }
      reads += 1;
    }
  })();
  return {
    seen,
    rejected,
    reads: () => reads,
    /** Waits until the consumer has read the secret `n` more times (it has picked up what is current now). */
    settle: async (n = 3) => {
      const target = reads + n;
      while (reads < target) await new Promise((r) => setTimeout(r, 2));
    },
    stop: async () => {
      running = false;
      await loop;
      client.destroy();
    },
  };
}

describe('overlap rotation', () => {
  it('bootstraps, rotates when due, deletes the old token after the grace period, and a consumer never holds a rejected token', async () => {
    const first = await env.rotate();
    expect(first.results[0]).toMatchObject({ credential: 'ci', outcome: 'rotated', overdue: false });
    const v1 = env.secrets.valueAt(SECRET)!;
    expect(env.sandbox.hub.accepts(v1)).toBe(true);

    const consumer = startConsumer(env);
    await consumer.settle();
    expect((await env.rotate()).results[0]).toMatchObject({
      outcome: 'up-to-date',
      detail: expect.stringContaining('next rotation in 6d'),
    });

    env.advance(7 * DAY + HOUR);
    const second = await env.rotate();
    expect(second.results[0]).toMatchObject({ outcome: 'rotated', deleted: [] });
    const v2 = env.secrets.valueAt(SECRET)!;
    expect(v2).not.toBe(v1);
    expect(env.secrets.valueAt(SECRET, 'AWSPREVIOUS')).toBe(v1);
    expect(env.sandbox.hub.accepts(v1)).toBe(true); // the grace period: jobs still on v1 keep working
    expect(tokensOf(env)).toHaveLength(2);
    await consumer.settle();

    env.advance(30 * 60_000);
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'up-to-date', deleted: [] });
    env.advance(31 * 60_000);
    const third = await env.rotate();
    expect(third.results[0]!.deleted).toEqual([{ tokenId: expect.any(String), last4: v1.slice(-4) }]);
    expect(env.sandbox.hub.accepts(v1)).toBe(false);
    expect(tokensOf(env)).toHaveLength(1);
    await consumer.settle();
    await consumer.stop();

    expect(consumer.rejected).toEqual([]);
    expect(consumer.seen).toEqual(new Set([v1, v2]));
    expect(consumer.reads()).toBeGreaterThan(6);
  });

  it('records each version without the token: id, last four, fingerprint, stage and times', async () => {
    await env.rotate();
    env.advance(8 * DAY);
    await env.rotate();
    const versions = await env.ports.store.listVersions('ci');
    const [v1, v2] = [env.secrets.valueAt(SECRET, 'AWSPREVIOUS')!, env.secrets.valueAt(SECRET)!];
    expect(versions).toEqual([
      expect.objectContaining({
        stage: 'previous',
        last4: v1.slice(-4),
        fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        deleteAfter: expect.any(String),
        promotedAt: expect.any(String),
      }),
      expect.objectContaining({
        stage: 'current',
        last4: v2.slice(-4),
        verifiedAt: expect.any(String),
        promotedAt: expect.any(String),
        tokenId: tokensOf(env).find((id) => id !== versions[0]!.tokenId),
      }),
    ]);
    const trail = await env.ports.store.listRotationEvents('ci', 20);
    expect(trail.map((e) => `${e.step}:${e.outcome}`)).toEqual([
      'promote:done',
      'verify:done',
      'create:done',
      'promote:done',
      'verify:done',
      'create:done',
    ]);
    expect(env.bus.received.map((e) => e.detailType)).toEqual(['hf-iam-sync.CredentialRotated', 'hf-iam-sync.CredentialRotated']);
  });

  it('two rotations of one credential at the same time produce one new token', async () => {
    await env.rotate();
    const before = tokensOf(env);
    const [a, b] = await Promise.all([env.rotate({ credential: 'ci' }), env.rotate({ credential: 'ci' })]);
    const outcomes = [a.results[0]!.outcome, b.results[0]!.outcome].sort();
    expect(outcomes).toEqual(['rotated', 'skipped']);
    expect([a, b].find((r) => r.results[0]!.outcome === 'skipped')!.results[0]!.detail).toMatch(
      /holds the rotation lease for credential "ci"/,
    );
    expect(tokensOf(env)).toHaveLength(before.length + 1);
    expect(env.sandbox.hub.count(/service-accounts\/[^/]+\/tokens$/, 'POST')).toBe(2);
  });

  it('reports credentials overdue and Hub tokens no credential knows', async () => {
    const dry = await env.rotate({ dryRun: true });
    expect(dry.decisions).toEqual([
      expect.objectContaining({ credential: 'ci', action: 'start', reason: 'no current version yet: first rotation' }),
    ]);
    expect(dry.overdue).toEqual(['ci']);
    expect(env.secrets.secrets.size).toBe(0); // a dry run writes nothing
    await env.rotate();
    const byHand = await fetch(`${env.sandbox.hub.baseUrl}/api/organizations/acme/service-accounts/${env.serviceAccount.id}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_HF_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'pasted into CI by hand', permissions: ['repo.write'] }),
    }).then((r) => r.json() as Promise<{ tokenInfo: { _id: string } }>);
    const report = await env.rotate();
    expect(report.orphans).toEqual([
      expect.objectContaining({ serviceAccount: 'ci-bot', tokenId: byHand.tokenInfo._id, displayName: 'pasted into CI by hand' }),
    ]);
    expect(report.overdue).toEqual([]);
    env.advance(7 * DAY + 1);
    expect((await env.rotate({ dryRun: true })).overdue).toEqual(['ci']);
  });

  it('names a service account that does not exist, and the ones that do, without stopping other credentials', async () => {
    await env.stop();
    env = await startRotationEnv(`credentials:
  - { name: missing, serviceAccount: no-such-bot, permissions: [repo.write], secret: hf-iam-sync/test/missing }
  - { name: ci, serviceAccount: ci-bot, permissions: [repo.write], secret: hf-iam-sync/test/ci }
`);
    const dry = await env.rotate({ dryRun: true });
    expect(dry.decisions.map((d) => d.problem)).toEqual([
      expect.stringContaining('serviceAccount "no-such-bot" is not a service account of the organization (have: ci-bot)'),
      undefined,
    ]);
    const report = await env.rotate();
    expect(report.results.map((r) => r.outcome)).toEqual(['failed', 'rotated']);
    expect(report.results[0]!.detail).toContain('serviceAccount "no-such-bot" is not a service account of the organization (have: ci-bot)');
  });
});
