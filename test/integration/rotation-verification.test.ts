import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRotationEnv, tokensOf, type RotationEnv } from '../helpers/rotation-env.js';

/**
 * Verification of a new service-account token holds for both shapes of whoami-v2 the spec allows
 * (with or without `roleInOrg` for a service account), and refuses a token the organization
 * restricts or one without the permissions the credential asks for.
 */

const SECRET = 'hf-iam-sync/test/ci';
const DAY = 86_400_000;

let env: RotationEnv;
beforeEach(async () => {
  env = await startRotationEnv();
});
afterEach(async () => {
  await env.stop();
});

/** A spec-valid whoami-v2 answer for the service account, as the Hub could give it for the new token. */
function whoamiOf(e: RotationEnv, org: Record<string, unknown>, permissions: string[]) {
  return {
    type: 'user',
    id: 'sa',
    name: e.serviceAccount.user,
    fullname: 'ci-bot',
    avatarUrl: '/a.svg',
    isPro: false,
    orgs: [{ type: 'org', id: e.sandbox.hub.orgId, name: 'acme', fullname: 'acme', avatarUrl: '/o.svg', plan: 'enterprise', ...org }],
    auth: {
      type: 'access_token',
      accessToken: {
        displayName: 'x',
        role: 'fineGrained',
        createdAt: '2026-01-01T00:00:00.000Z',
        fineGrained: { scoped: [{ entity: { _id: e.sandbox.hub.orgId, name: 'acme', type: 'org' }, permissions }] },
      },
    },
  };
}
const onceWhoami = (e: RotationEnv, body: unknown) =>
  e.sandbox.hub.inject({ method: 'GET', path: /^\/api\/whoami-v2$/, status: 200, body, times: 1 });

describe('verifying a service-account token', () => {
  it('accepts whoami with and without roleInOrg for the service account', async () => {
    env.sandbox.hub.serviceAccountRoleInWhoami = false;
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated' });
    env.sandbox.hub.serviceAccountRoleInWhoami = true;
    env.advance(8 * DAY);
    expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'rotated' });
    expect(env.consumerCheck(SECRET).accepted).toBe(true);
  });

  it.each([
    ['mfa', /restricted in acme: mfa \(the organization requires two-factor authentication/],
    ['token-policy', /token-policy \(the organization's token policy has not approved this token/],
    ['ip', /ip \(the organization only accepts requests from allowed IP ranges\)/],
  ])('refuses a token under the "%s" restriction, and consumers stay on the old token', async (restriction, message) => {
    await env.rotate();
    const old = env.secrets.valueAt(SECRET)!;
    env.advance(8 * DAY);
    onceWhoami(env, whoamiOf(env, { securityRestrictions: [restriction] }, ['repo.content.read', 'repo.write']));
    const failed = (await env.rotate()).results[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(failed.detail).toMatch(message);
    expect(env.consumerCheck(SECRET)).toEqual({ value: old, accepted: true });
  });

  it('refuses a token without the permissions the credential asks for, naming them', async () => {
    onceWhoami(env, whoamiOf(env, {}, ['repo.content.read']));
    const failed = (await env.rotate()).results[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(failed.detail).toMatch(/lacks repo\.write in acme \(whoami-v2 lists repo\.content\.read\)/);
    // First value of the secret: nothing was stored and the unverified token is gone from the Hub.
    expect(env.secrets.valueAt(SECRET)).toBeUndefined();
    expect(tokensOf(env)).toEqual([]);
  });
});
