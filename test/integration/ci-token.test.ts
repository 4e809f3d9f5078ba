import { createPublicKey } from 'node:crypto';
import { exportSPKI, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ciAccessConfig } from '../../sandbox/ci-seed.js';
import { composeState } from '../../composition/compose.js';
import { startCiEnv, huggingfaceHubBody, type CiEnv } from '../helpers/ci-env.js';

/**
 * The ci-token broker end to end: the real handler behind a loopback Function URL, ID tokens
 * signed by the OIDC issuer stand-in, the Hub stand-in (held to its OpenAPI) and dynalite.
 */

let env: CiEnv;
const GITHUB_JOB = { repository: 'acme/llama-ft', ref: 'refs/heads/main' };
const form = (token: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    subject_token: token,
    ...extra,
  }).toString();

/** Everything a refusal must leave untouched, read before and after. */
async function untouched(env: CiEnv, act: () => Promise<{ status: number; json: Record<string, unknown> }>) {
  const hubCalls = env.sandbox.hub.calls.length;
  const tokens = [...env.sandbox.hub.serviceAccounts.values()].reduce((n, sa) => n + sa.tokens.size, 0);
  const answer = await act();
  const state = await composeState({ kind: 'dynamodb', location: { table: 'hf-iam-sync', endpoint: env.sandbox.dynamoEndpoint } });
  const trail = await state.state.listChanges({ organization: 'acme', trigger: 'ci', limit: 100 });
  await state.close();
  return {
    ...answer,
    hubCalls: env.sandbox.hub.calls.length - hubCalls,
    issued: [...env.sandbox.hub.serviceAccounts.values()].reduce((n, sa) => n + sa.tokens.size, 0) - tokens,
    refusal: trail.find((c) => c.outcome === 'failed'),
  };
}

beforeEach(async () => {
  env = await startCiEnv();
});
afterEach(async () => {
  vi.useRealTimers();
  await env.stop();
});

describe('ci-token broker', () => {
  it("issues a token with exactly the policy's grant for the JSON body huggingface_hub sends, which pushes the model and nothing else", async () => {
    // Prepare
    const idToken = await env.github.mint(GITHUB_JOB, { audience: 'acme' });
    // Act
    const answer = await env.exchange(huggingfaceHubBody(idToken, 'llama-train'));
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'bearer',
      expires_in: 900,
    });
    const token = String(answer.json.access_token);
    const hub = env.sandbox.hub;
    const whoami = (await fetch(`${hub.baseUrl}/api/whoami-v2`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
      r.json(),
    )) as {
      name: string;
      auth: { accessToken: { fineGrained: { scoped: Array<{ entity: { name: string; type: string }; permissions: string[] }> } } };
    };
    expect(whoami.name).toBe('acme-ci-bot-sa');
    expect(whoami.auth.accessToken.fineGrained.scoped.map((s) => [s.entity.type, s.entity.name, s.permissions])).toEqual([
      ['org', 'acme', []],
      ['model', 'acme/llama-ft', ['repo.content.read', 'repo.write']],
      ['dataset', 'acme/corpus', ['repo.content.read', 'repo.write']],
    ]);
    const push = (repo: string) =>
      fetch(`${hub.baseUrl}/api/models/${repo}/commit/main`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ summary: 'checkpoint 42' }),
      }).then((r) => r.status);
    expect(await push('acme/llama-ft')).toBe(200);
    expect(await push('acme/other-model')).toBe(404);
    expect(hub.takeViolations()).toEqual([]);
    expect(hub.count(/\/service-accounts\/[^/]+\/tokens$/, 'POST')).toBe(1);
    expect(env.logs()).not.toContain(token);
    const issued = env.bus.received.filter((e) => e.detailType === 'hf-iam-sync.CiTokenIssued');
    expect(issued).toEqual([
      expect.objectContaining({
        source: 'hf-iam-sync',
        detail: expect.objectContaining({
          policy: 'llama-train',
          serviceAccount: 'acme-ci-bot-sa',
          claims: expect.objectContaining({ repository: 'acme/llama-ft', run_id: '8123456789', actor: 'ada' }),
        }),
      }),
    ]);
    expect(JSON.stringify(env.bus.received)).not.toContain(token);
  });

  it('answers the RFC form body too, and picks the one policy whose claims match when no resource is named', async () => {
    const idToken = await env.github.mint({ repository: 'acme/llama-ft', ref: 'refs/heads/release-7' }, { audience: 'acme' });
    const answer = await env.exchange(form(idToken), 'application/x-www-form-urlencoded', '');
    expect(answer.status).toBe(200);
    expect(answer.json.expires_in).toBe(1800);
  });

  const refusals: Array<[string, (env: CiEnv) => Promise<string>, number, string, RegExp]> = [
    ['a wrong aud', (e) => e.github.mint(GITHUB_JOB, { audience: 'someone-else' }), 400, 'invalid_grant', /aud must be "acme"/],
    [
      "the Hub's own aud",
      (e) => e.github.mint(GITHUB_JOB, { audience: 'https://huggingface.co' }),
      400,
      'invalid_grant',
      /minted for the Hub's own exchange \(Trusted Publishers\)/,
    ],
    [
      'an untrusted iss',
      async (_e) => {
        const { OidcIssuerStandIn } = await import('../../sandbox/oidc/oidc-issuer-stand-in.js');
        const other = new OidcIssuerStandIn('github');
        await other.start();
        const token = await other.mint(GITHUB_JOB, { audience: 'acme' });
        await other.stop();
        return token;
      },
      400,
      'invalid_grant',
      /is not trusted/,
    ],
    [
      'an expired token',
      (e) => e.github.mint(GITHUB_JOB, { audience: 'acme', issuedAt: -400, lifetimeSeconds: 300 }),
      400,
      'invalid_grant',
      /expired/,
    ],
    [
      'a token not yet valid',
      (e) => e.github.mint(GITHUB_JOB, { audience: 'acme', notBefore: 300 }),
      400,
      'invalid_grant',
      /not valid before/,
    ],
    [
      'a token too old',
      (e) => e.github.mint(GITHUB_JOB, { audience: 'acme', issuedAt: -1200, lifetimeSeconds: 3600 }),
      400,
      'invalid_grant',
      /older than 15 min/,
    ],
    [
      'alg none',
      async (e) => {
        const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...e.github.claims(GITHUB_JOB), iss: e.github.baseUrl, aud: 'acme', iat: now, exp: now + 300, jti: 'j-none' })}.`;
      },
      400,
      'invalid_grant',
      /alg "none" is not allowed/,
    ],
    [
      'an HMAC token keyed with the public key',
      async (e) => {
        const pem = await exportSPKI(createPublicKey({ key: e.github.currentKey.jwk as never, format: 'jwk' }) as never);
        return new SignJWT({ ...e.github.claims(GITHUB_JOB) })
          .setProtectedHeader({ alg: 'HS256', kid: e.github.currentKey.kid })
          .setIssuer(e.github.baseUrl)
          .setAudience('acme')
          .setIssuedAt()
          .setExpirationTime('5m')
          .setJti('j-hmac')
          .sign(new TextEncoder().encode(pem));
      },
      400,
      'invalid_grant',
      /alg "HS256" is not allowed/,
    ],
    [
      'an unknown kid',
      async (e) => e.github.mint(GITHUB_JOB, { audience: 'acme', key: await e.github.unpublishedKey() }),
      400,
      'invalid_grant',
      /no key of issuer github's JWKS matches/,
    ],
    [
      'a tampered payload',
      async (e) => {
        const [h, p, s] = (await e.github.mint({ ...GITHUB_JOB, ref: 'refs/heads/dev' }, { audience: 'acme' })).split('.');
        const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
        return `${h}.${Buffer.from(JSON.stringify({ ...claims, ref: 'refs/heads/main' })).toString('base64url')}.${s}`;
      },
      400,
      'invalid_grant',
      /signature does not verify/,
    ],
    [
      'claims that match no policy',
      (e) => e.github.mint({ repository: 'acme/llama-ft', ref: 'refs/heads/dev' }, { audience: 'acme' }),
      400,
      'unauthorized_client',
      /policy "llama-train": ref must be "refs\/heads\/main", the token says "refs\/heads\/dev"/,
    ],
    [
      'a ref pattern that must not match across /',
      (e) => e.github.mint({ repository: 'acme/llama-ft', ref: 'refs/heads/release-1/hotfix' }, { audience: 'acme' }),
      400,
      'unauthorized_client',
      /policy "release-eval": ref must match "refs\/heads\/release-\*"/,
    ],
  ];

  it.each(refusals)(
    'refuses %s: the right RFC error, no Hub call, nothing issued, a refusal record',
    async (_what, token, status, error, description) => {
      const subject = await token(env);
      const result = await untouched(env, () => env.exchange(huggingfaceHubBody(subject)));
      expect({ status: result.status, error: result.json.error }).toEqual({ status, error });
      expect(String(result.json.error_description)).toMatch(description);
      expect({ hubCalls: result.hubCalls, issued: result.issued }).toEqual({ hubCalls: 0, issued: 0 });
      expect(result.refusal).toMatchObject({ action: 'ci-token-issue', outcome: 'failed', trigger: 'ci' });
      expect(JSON.stringify(result.refusal)).not.toContain(subject);
      expect(env.bus.received.filter((e) => e.detailType === 'hf-iam-sync.CiTokenRefused').map((e) => e.detail.error)).toEqual([error]);
    },
  );

  it("refetches the issuer's JWKS on an unknown kid at most once a minute: a rotated key is accepted after the refresh", async () => {
    const jwksReads = () => env.github.calls.filter((c) => c.path === '/.well-known/jwks').length;
    expect((await env.exchange(huggingfaceHubBody(await env.github.mint(GITHUB_JOB, { audience: 'acme' }), 'llama-train'))).status).toBe(
      200,
    );
    await env.github.rotateKey({ retire: true });
    const tooSoon = await env.exchange(huggingfaceHubBody(await env.github.mint(GITHUB_JOB, { audience: 'acme' }), 'llama-train'));
    expect(tooSoon.json.error).toBe('invalid_grant');
    expect(jwksReads()).toBe(1);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    const after = await env.exchange(huggingfaceHubBody(await env.github.mint(GITHUB_JOB, { audience: 'acme' }), 'llama-train'));
    expect(after.status).toBe(200);
    expect(jwksReads()).toBe(2);
  });

  it('refuses a replayed jti: the second exchange of one ID token issues nothing', async () => {
    const idToken = await env.github.mint(GITHUB_JOB, { audience: 'acme' });
    expect((await env.exchange(huggingfaceHubBody(idToken, 'llama-train'))).status).toBe(200);
    const again = await untouched(env, () => env.exchange(huggingfaceHubBody(idToken, 'llama-train')));
    expect(again.json).toMatchObject({ error: 'invalid_grant' });
    expect(String(again.json.error_description)).toMatch(/was exchanged before/);
    expect({ hubCalls: again.hubCalls, issued: again.issued }).toEqual({ hubCalls: 0, issued: 0 });
    expect(again.refusal?.ci?.policy).toBe('llama-train');
  });

  it('refuses malformed, huge and ambiguous requests with the RFC errors, recording each', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['{"grant_type": "authorization_code"}', 'application/json', 400, 'unsupported_grant_type'],
      ['not json', 'application/json', 400, 'invalid_request'],
      [form(''), 'application/x-www-form-urlencoded', 400, 'invalid_request'],
      [huggingfaceHubBody('x'.repeat(20_000)), 'application/json', 413, 'invalid_request'],
      ['<xml/>', 'text/xml', 400, 'invalid_request'],
    ];
    for (const [body, type, status, error] of cases) {
      const result = await untouched(env, () => env.exchange(body, type));
      expect({ status: result.status, error: result.json.error, hubCalls: result.hubCalls, issued: result.issued }).toEqual({
        status,
        error,
        hubCalls: 0,
        issued: 0,
      });
      expect(result.refusal).toBeDefined();
    }
  });
});

describe('ci-token broker with overlapping policies', () => {
  it('refuses a token two policies match unless resource names one', async () => {
    await env.stop();
    env = await startCiEnv(
      (github, gitlab) =>
        `${ciAccessConfig(github, gitlab)}    - { name: any-main, issuer: github, claims: { repository_owner: acme, ref: refs/heads/main }, serviceAccount: ci-bot, repos: [acme/llama-ft] }\n`,
    );
    const answer = await untouched(env, async () =>
      env.exchange(huggingfaceHubBody(await env.github.mint(GITHUB_JOB, { audience: 'acme' }))),
    );
    expect(answer.json.error).toBe('invalid_target');
    expect(String(answer.json.error_description)).toMatch(/matches several policies \(llama-train, any-main\); name one in resource/);
    expect({ hubCalls: answer.hubCalls, issued: answer.issued }).toEqual({ hubCalls: 0, issued: 0 });
    expect((await env.exchange(huggingfaceHubBody(await env.github.mint(GITHUB_JOB, { audience: 'acme' }), 'any-main'))).status).toBe(200);
  });
});
