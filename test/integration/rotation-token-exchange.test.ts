import { whoAmI } from '@huggingface/hub';
import { afterEach, describe, expect, it } from 'vitest';
import { startRotationEnv, type RotationEnv } from '../helpers/rotation-env.js';

/**
 * Short-lived tokens through the Hub's RFC 8693 token exchange: written to the consumer's secret,
 * refreshed before they expire, and every misconfiguration named by the setting to fix.
 */

const SECRET = 'hf-iam-sync/test/ada-notebooks';
const HOUR = 3_600_000;
const exchangeCredential = (extra = '') => `credentials:
  - name: ada-notebooks
    kind: token-exchange
    subject: ada-acme@users.example
    secret: ${SECRET}
    refreshBefore: 2h
${extra}`;

let env: RotationEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('token-exchange credentials', () => {
  it('writes an org-scoped token for the member to the secret and refreshes it before it expires', async () => {
    env = await startRotationEnv(exchangeCredential());
    const first = (await env.rotate()).results[0]!;
    expect(first).toMatchObject({
      credential: 'ada-notebooks',
      kind: 'token-exchange',
      outcome: 'rotated',
      current: { tokenId: null, expiresAt: expect.any(String) },
    });
    const token = env.secrets.valueAt(SECRET)!;
    expect(token).toMatch(/^hf_oauth_/);
    expect(await whoAmI({ accessToken: token, hubUrl: env.sandbox.hub.baseUrl })).toMatchObject({
      name: 'ada-acme',
      orgs: [expect.objectContaining({ name: 'acme' })],
    });

    env.advance(5 * HOUR);
    expect((await env.rotate()).results[0]).toMatchObject({
      outcome: 'up-to-date',
      detail: expect.stringMatching(/expires in (2h 59m|3h 0m); refresh in (59m|1h 0m)/),
    });
    env.advance(1.5 * HOUR);
    const refreshed = (await env.rotate()).results[0]!;
    expect(refreshed).toMatchObject({
      outcome: 'rotated',
      detail: expect.stringMatching(/expires in 1h (29|30)m \(refresh 2h 0m before\)/),
    });
    expect(env.secrets.valueAt(SECRET)).not.toBe(token);
    expect(env.secrets.valueAt(SECRET, 'AWSPREVIOUS')).toBe(token);
    expect(env.app.issued).toBe(2);
  });

  it('stops refreshing for a member who was offboarded, saying so', async () => {
    env = await startRotationEnv(exchangeCredential());
    await env.rotate();
    env.sandbox.hub.member('ada-acme')!.role = 'no_access';
    const result = (await env.rotate({ credential: 'ada-notebooks' })).results[0]!;
    expect(result).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(result.detail).toContain('ada-acme@users.example (ada-acme) has no access to acme (role no_access; offboarded?)');
    expect(env.bus.received.at(-1)).toMatchObject({
      detailType: 'hf-iam-sync.RotationFailed',
      detail: { credential: 'ada-notebooks', step: 'verify' },
    });
  });

  it('an offboarding suspends the credential of the person it was issued for; rotate-tokens revokes its tokens and stops refreshing', async () => {
    env = await startRotationEnv(exchangeCredential());
    await env.rotate();
    env.advance(6.5 * HOUR);
    await env.rotate(); // a refresh: a current and a previous token exist
    const [token, previous] = [env.secrets.valueAt(SECRET)!, env.secrets.valueAt(SECRET, 'AWSPREVIOUS')!];
    expect(env.sandbox.hub.accepts(token) && env.sandbox.hub.accepts(previous)).toBe(true);

    // Okta deactivates Ada; the event path offboards her.
    const { composeForSandbox } = await import('../../sandbox/sandbox.js');
    const { handleOktaEvents } = await import('../../shared/offboarding/handle-okta-events.js');
    const { EventBridgeSink } = await import('../../shared/adapters/eventbridge/eventbridge-sink.js');
    const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
    const { parseRotateEvent } = await import('../../shared/rotation/rotate-event.js');
    const composed = await composeForSandbox(env.config, env.sandbox.dynamoEndpoint);
    const client = new EventBridgeClient({
      endpoint: env.bus.baseUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const { okta } = env.sandbox;
      const event = okta.deactivate(okta.userByLogin('ada@acme.example').id);
      const handled = await handleOktaEvents(
        { ...composed.ports, events: new EventBridgeSink(() => client, 'hf-iam-sync-test') },
        env.config,
        [event],
        'eventbridge',
      );
      expect(handled.outcomes[0]).toMatchObject({ outcome: 'processed', detail: expect.stringContaining('2 change(s)') });
      expect(env.sandbox.hub.member('ada-acme')?.role).toBe('no_access');
      const offboarded = env.bus.received.find((e) => e.detailType === 'hf-iam-sync.MemberOffboarded')!;
      expect(offboarded.detail).toMatchObject({
        user: 'ada-acme',
        exchangedTokens: [{ credential: 'ada-notebooks', secret: SECRET, status: expect.stringContaining('suspended') }],
      });
      const trail = await composed.ports.state.listChanges({ organization: 'acme', user: 'ada-acme', limit: 5 });
      expect(trail).toContainEqual(
        expect.objectContaining({
          action: 'suspend-credential',
          outcome: 'applied',
          credential: { name: 'ada-notebooks', secret: SECRET },
        }),
      );

      // That event starts rotate-tokens (serverless.yml); the run revokes both tokens by value.
      expect(
        parseRotateEvent({ source: 'hf-iam-sync', 'detail-type': 'hf-iam-sync.MemberOffboarded', detail: offboarded.detail }),
      ).toMatchObject({ trigger: 'offboarding' });
      const revoked = (await env.rotate()).results[0]!;
      expect(revoked).toMatchObject({
        outcome: 'suspended',
        overdue: false,
        detail: expect.stringContaining('subject ada-acme offboarded'),
      });
      expect(revoked.detail).toContain('revoked 2 token(s)');
      expect(env.sandbox.hub.accepts(token) || env.sandbox.hub.accepts(previous)).toBe(false);
      expect(env.sandbox.hub.revokedValues.sort()).toEqual([token, previous].sort());
      expect(env.bus.received.at(-1)).toMatchObject({
        detailType: 'hf-iam-sync.CredentialRevoked',
        detail: { credential: 'ada-notebooks', user: 'ada-acme' },
      });
      // Never refreshed again, and not reported overdue.
      const issued = env.app.issued;
      env.advance(24 * HOUR);
      expect((await env.rotate()).results[0]).toMatchObject({ outcome: 'suspended', overdue: false });
      expect(env.app.issued).toBe(issued);
      const replan = await composed.ports.state.listSuspendedCredentials(['ada-notebooks']);
      expect(replan).toEqual(['ada-notebooks']);
    } finally {
      client.destroy();
      await composed.close();
    }
  });

  it.each([
    ['a wrong client secret', { oauthSecret: 'not-the-secret' }, /invalid_client.*fix tokenExchange\.clientId and HF_OAUTH_CLIENT_SECRET/],
    [
      'an audience other than the organization',
      { audience: 'acme-staging' },
      /invalid_target.*the audience must be the organization's name — fix tokenExchange\.audience/,
    ],
    [
      'a subject who is not a member',
      { subject: 'stranger@example.com' },
      /invalid_grant.*stranger@example\.com is not a member.*fix the credential's subject/,
    ],
    ['a scope the app does not have', { scope: '[write-repos]' }, /invalid_scope.*write-repos.*fix the credential's scope/],
  ])('fails on %s with a message naming the setting, and leaves the secret alone', async (_name, wrong, message) => {
    const w = wrong as { oauthSecret?: string; audience?: string; subject?: string; scope?: string };
    let credential = exchangeCredential();
    if (w.subject) credential = credential.replace('ada-acme@users.example', w.subject);
    if (w.scope) credential = credential.replace('    refreshBefore: 2h\n', `    refreshBefore: 2h\n    scope: ${w.scope}\n`);
    env = await startRotationEnv(credential, {
      tokenExchange: `tokenExchange:\n  clientId: a1b2c3d4-e5f6-7890-abcd-ef1234567890\n  audience: ${w.audience ?? 'acme'}\n`,
    });
    if (w.oauthSecret) env.app.clientSecret = w.oauthSecret;
    const result = (await env.rotate()).results[0]!;
    expect(result).toMatchObject({ outcome: 'failed', failedStep: 'create', overdue: true });
    expect(result.detail).toMatch(message);
    expect(env.secrets.valueAt(SECRET)).toBeUndefined();
  });
});
