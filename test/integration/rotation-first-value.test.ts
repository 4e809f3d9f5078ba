import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRotationEnv, tokensOf, type RotationEnv } from '../helpers/rotation-env.js';

/**
 * A secret's first value: AWS makes the first version AWSCURRENT whatever stage is asked for, so
 * the first token is verified before it is stored, and consumers never read an unverified token.
 */

const SECRET = 'hf-iam-sync/test/ci';

let env: RotationEnv;
beforeEach(async () => {
  env = await startRotationEnv();
});
afterEach(async () => {
  await env.stop();
});

describe('the first rotation of a new secret', () => {
  it('stores nothing when verification fails, leaves no token behind, and the next run completes', async () => {
    // The new token answers whoami without access to the org: verification must fail.
    env.sandbox.hub.inject({
      method: 'GET',
      path: /^\/api\/whoami-v2$/,
      status: 200,
      times: 1,
      body: {
        type: 'user',
        id: 'x',
        name: 'acme-ci-bot-sa',
        fullname: 'ci-bot',
        avatarUrl: '/a.svg',
        isPro: false,
        orgs: [],
        auth: { type: 'access_token' },
      },
    });
    const failed = (await env.rotate()).results[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(failed.detail).toMatch(/no access to organization acme/);
    expect(env.secrets.valueAt(SECRET)).toBeUndefined();
    expect(env.secrets.valueAt(SECRET, 'AWSPENDING')).toBeUndefined();
    expect(tokensOf(env)).toEqual([]);

    const done = (await env.rotate()).results[0]!;
    expect(done).toMatchObject({ outcome: 'rotated', overdue: false });
    expect(env.consumerCheck(SECRET).accepted).toBe(true);
    expect(env.secrets.valueAt(SECRET, 'AWSPENDING')).toBeUndefined();
    expect(tokensOf(env)).toHaveLength(1);
    const trail = (await env.ports.store.listRotationEvents('ci', 50)).sort((a, b) => a.at.localeCompare(b.at));
    expect(trail.filter((e) => e.outcome === 'done').map((e) => e.step)).toEqual(['create', 'verify', 'promote']);
  });
});
