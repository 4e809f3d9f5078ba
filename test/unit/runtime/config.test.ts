import { describe, expect, it } from 'vitest';
import { parseConfig, readSecrets } from '../../../shared/runtime/config.js';
import { problemsOf } from '../../helpers/config-problems.js';

const ISSUE_SHAPE = `
organization: acme                  # Hugging Face org name
okta:
  orgUrl: https://acme.okta.com
  usernameAttribute: hfUsername
huggingface:
  endpoint: https://huggingface.co
  membership: roles
rules:
  - { group: hf-acme-admin, role: admin }
  - { group: hf-acme-write, role: write }
  - { group: hf-acme-rg-llm-write, resourceGroup: llm, role: write }
safety:
  protectedUsers: [root-admin]
  maxRemovals: 10
  unmanagedMembers: report
`;

describe('parseConfig', () => {
  it('accepts the documented shape and derives the policy', () => {
    const config = parseConfig(ISSUE_SHAPE, 'c.yaml');
    expect(config.policy).toMatchObject({ organization: 'acme', membership: 'roles', maxRemovals: { kind: 'count', value: 10 }, protectedUsers: ['root-admin'] });
    expect(config.rules).toHaveLength(3);
    expect(config.naming).toBeNull();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts a percentage limit and JSON text', () => {
    const json = JSON.stringify({ organization: 'acme', okta: { orgUrl: 'https://a.okta.com' }, naming: {}, safety: { maxRemovals: '12.5%' } });
    expect(parseConfig(json, 'c.json').policy.maxRemovals).toEqual({ kind: 'percent', value: 12.5 });
  });

  it('lists every problem at once, each with its path', () => {
    const problems = problemsOf(`
organization: acme
okta: { orgUrl: http://acme.okta.com, usernameAtribute: hf }
huggingface: { membership: scim }
rules: [{ group: g, role: owner }]
safety: { maxRemovals: ten }
`);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/okta\.orgUrl: must be an https:\/\/ URL/),
      expect.stringMatching(/okta: Unrecognized key: "usernameAtribute"/),
      expect.stringMatching(/huggingface\.membership/),
      expect.stringMatching(/rules\[0\]\.role: must be one of admin, write, contributor, read/),
      expect.stringMatching(/safety\.maxRemovals: must be a count/),
    ]));
    expect(problems.every((p) => p.startsWith('c.yaml: '))).toBe(true);
  });

  it('requires a mapping and a removal limit', () => {
    const problems = problemsOf('organization: acme\nokta: { orgUrl: "https://a.okta.com" }\nsafety: {}\n');
    expect(problems.join('\n')).toMatch(/safety\.maxRemovals/);
    expect(problems.join('\n')).toMatch(/no mapping: add rules\[\] or a naming: section/);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(problemsOf('organization: [acme')[0]).toMatch(/^c\.yaml: /);
  });
});

describe('readSecrets', () => {
  const config = parseConfig(ISSUE_SHAPE, 'c.yaml');

  it('names every missing secret in one error', () => {
    expect(() => readSecrets({}, config.file)).toThrowError(/OKTA_API_TOKEN[\s\S]*HF_TOKEN/);
  });

  it('prefers an API token and accepts a service app key', () => {
    expect(readSecrets({ OKTA_API_TOKEN: 't', HF_TOKEN: 'h' }, config.file).okta).toEqual({ mode: 'SSWS', token: 't' });
    expect(readSecrets({ OKTA_CLIENT_ID: 'c', OKTA_PRIVATE_KEY: 'k', HF_TOKEN: 'h' }, config.file).okta).toMatchObject({ mode: 'PrivateKey', clientId: 'c' });
  });

  it('needs a SCIM token in scim modes', () => {
    const scim = parseConfig(ISSUE_SHAPE.replace('membership: roles', 'membership: scim-managed'), 'c.yaml');
    expect(() => readSecrets({ OKTA_API_TOKEN: 't', HF_TOKEN: 'h' }, scim.file)).toThrowError(/HF_SCIM_TOKEN/);
  });
});
