import { describe, expect, it } from 'vitest';
import { parseConfig, readRotationSecrets } from '../../../shared/runtime/config.js';
import { problemsOf as problemsOfText } from '../../helpers/config-problems.js';

const BASE = `organization: acme
okta: { orgUrl: https://acme.okta.com }
rules: [{ group: hf-acme-read, role: read }]
safety: { maxRemovals: 5 }
`;

const problemsOf = (text: string) => problemsOfText(BASE + text);

describe('credentials in the configuration', () => {
  it('reads both kinds with their defaults (overlap, 24h grace, weekly; refresh 2h before expiry)', () => {
    const config = parseConfig(
      `${BASE}tokenExchange: { clientId: app-1, audience: acme }
credentials:
  - { name: ci-models, serviceAccount: ci-bot, permissions: [repo.content.read], secret: hf-iam-sync/prod/ci-models }
  - { name: nightly, serviceAccount: ci-bot, permissions: [repo.write], secret: s2, strategy: in-place, rotateEvery: 3d }
  - { name: alice-notebooks, kind: token-exchange, subject: alice@acme.example, scope: [openid, read-repos], secret: s3, refreshBefore: 90m }
`,
      'c.yaml',
    );
    expect(config.credentials).toEqual([
      {
        kind: 'service-account',
        name: 'ci-models',
        serviceAccount: 'ci-bot',
        permissions: ['repo.content.read'],
        secret: 'hf-iam-sync/prod/ci-models',
        strategy: 'overlap',
        gracePeriodMs: 86_400_000,
        rotateEveryMs: 604_800_000,
      },
      {
        kind: 'service-account',
        name: 'nightly',
        serviceAccount: 'ci-bot',
        permissions: ['repo.write'],
        secret: 's2',
        strategy: 'in-place',
        gracePeriodMs: 0,
        rotateEveryMs: 3 * 86_400_000,
      },
      {
        kind: 'token-exchange',
        name: 'alice-notebooks',
        subject: 'alice@acme.example',
        scope: ['openid', 'read-repos'],
        secret: 's3',
        refreshBeforeMs: 90 * 60_000,
      },
    ]);
  });

  it.each([
    ['- { name: CI, serviceAccount: b, permissions: [repo.write], secret: s }', 'credentials[0].name: must be 1–40 lower-case letters'],
    [
      '- { name: ci, serviceAccount: b, permissions: [repo.wrte], secret: s }',
      'credentials[0].permissions[0]: must be one of repo.content.read',
    ],
    ['- { name: ci, serviceAccount: b, permissions: [], secret: s }', 'credentials[0].permissions: must list at least one permission'],
    [
      '- { name: ci, serviceAccount: b, permissions: [repo.write], secret: s, rotateEvery: 7 days }',
      'credentials[0].rotateEvery: must be a duration such as 7d',
    ],
    [
      '- { name: ci, serviceAccount: b, permissions: [repo.write], secret: s, strategy: in-place, gracePeriod: 1h }',
      'credentials[0].gracePeriod: does not apply to strategy: in-place',
    ],
    ['- { name: ci, serviceAccount: b, permissions: [repo.write] }', 'credentials[0].secret:'],
    [
      '- { name: ci, kind: token-exchange, subject: not-an-email, secret: s }',
      'credentials[0].subject: must be the email of the organization member',
    ],
    [
      '- { name: ci, kind: token-exchange, subject: a@acme.example, secret: s }',
      'credentials[0]: kind: token-exchange needs a tokenExchange: { clientId } section',
    ],
    ['- { name: ci, kind: oidc, secret: s }', 'credentials[0].kind: kind must be service-account (the default) or token-exchange'],
    [
      '- { name: a, serviceAccount: b, permissions: [repo.write], secret: s }\n  - { name: a, serviceAccount: b, permissions: [repo.write], secret: s }',
      'credentials[1].name: "a" is already the name of credentials[0]',
    ],
  ])('%s → %s', (entry, expected) => {
    expect(problemsOf(`credentials:\n  ${entry}\n`).join('\n')).toContain(`c.yaml: ${expected}`);
  });

  it('asks for the OAuth app secret only when a credential uses token exchange, and never for Okta', () => {
    const plain = parseConfig(`${BASE}credentials: [{ name: ci, serviceAccount: b, permissions: [repo.write], secret: s }]\n`, 'c.yaml');
    expect(readRotationSecrets({ HF_TOKEN: 'hf_x' }, plain)).toEqual({ hfToken: 'hf_x', oauthClientSecret: undefined });
    const exchange = parseConfig(
      `${BASE}tokenExchange: { clientId: app }\ncredentials: [{ name: tx, kind: token-exchange, subject: a@acme.example, secret: s }]\n`,
      'c.yaml',
    );
    expect(() => readRotationSecrets({ HF_TOKEN: 'hf_x' }, exchange)).toThrow(
      /HF_OAUTH_CLIENT_SECRET is not set, but credential\(s\) tx use token exchange/,
    );
  });
});
