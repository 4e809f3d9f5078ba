import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/runtime/config.js';
import { problemsOf as problemsOfText } from '../../helpers/config-problems.js';

const BASE = `organization: acme
okta: { orgUrl: https://acme.okta.com }
rules: [{ group: hf-acme-read, role: read }]
safety: { maxRemovals: 5 }
`;

describe('ciAccess in the configuration', () => {
  it("reads issuers and policies with their defaults: the organization's name as audience, 15 min token age, 1 h TTL, read on the repos", () => {
    const config = parseConfig(
      `${BASE}ciAccess:
  issuers: [{ name: github, url: https://token.actions.githubusercontent.com }]
  policies:
    - { name: train, issuer: github, claims: { repository: acme/m, ref: refs/heads/main }, serviceAccount: ci-bot, repos: [acme/m, datasets/acme/d] }
`,
      'c.yaml',
    );
    expect(config.ciAccess.issuers).toEqual([
      { name: 'github', url: 'https://token.actions.githubusercontent.com', audience: 'acme', maxTokenAgeMs: 900_000 },
    ]);
    expect(config.ciAccess.policies[0]).toMatchObject({
      name: 'train',
      ttlMs: 3_600_000,
      repoPermissions: ['repo.content.read'],
      permissions: [],
    });
  });

  it('lists every problem at once, each with its path and its fix', () => {
    const problems = problemsOfText(`${BASE}credentials:
  - { name: rotated, serviceAccount: shared-bot, permissions: [repo.write], secret: s }
ciAccess:
  issuers:
    - { name: github, url: http://token.example }
    - { name: github, url: https://token.actions.githubusercontent.com }
  policies:
    - { name: a, issuer: gitlab, claims: { ref: refs/heads/main }, serviceAccount: shared-bot, repos: [acme], ttl: 13h }
    - { name: a, issuer: github, claims: { repository: acme/m }, serviceAccount: ci-bot, permissions: [repo.wirte] }
    - { name: b, issuer: github, claims: { repository: acme/m }, serviceAccount: ci-bot }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ciAccess.issuers[0].url: must be an https:// URL'),
        expect.stringContaining('ciAccess.issuers[1].name: "github" is already the name of ciAccess.issuers[0]'),
        expect.stringContaining('ciAccess.policies[1].name: "a" is already the name of ciAccess.policies[0]'),
        expect.stringContaining('ciAccess.policies[0].issuer: "gitlab" is not one of ciAccess.issuers'),
        expect.stringContaining('ciAccess.policies[0].claims: must pin whose pipeline it trusts'),
        expect.stringContaining('ciAccess.policies[0].ttl: must be at most 12h'),
        expect.stringContaining("ciAccess.policies[0].serviceAccount: is also a rotated credential's service account"),
        expect.stringContaining('ciAccess.policies[0].repos[0]: must name a repository as on the Hub'),
        expect.stringContaining('ciAccess.policies[1].permissions[0]: must be one of'),
        expect.stringContaining('ciAccess.policies[2]: grants nothing'),
      ]),
    );
  });
});
