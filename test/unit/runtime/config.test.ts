import { describe, expect, it } from 'vitest';
import { compileConfig, configSha256, parseConfig, readCompiledConfig, readSecrets } from '../../../shared/runtime/config.js';
import { ConfigError } from '../../../shared/runtime/errors.js';
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
    expect(config.policy).toMatchObject({
      organization: 'acme',
      membership: 'roles',
      maxRemovals: { kind: 'count', value: 10 },
      protectedUsers: ['root-admin'],
    });
    expect(config.rules).toHaveLength(3);
    expect(config.naming).toBeNull();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts a percentage limit and JSON text', () => {
    const json = JSON.stringify({
      organization: 'acme',
      okta: { orgUrl: 'https://a.okta.com' },
      naming: {},
      safety: { maxRemovals: '12.5%' },
    });
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
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/okta\.orgUrl: must be an https:\/\/ URL/),
        expect.stringMatching(/okta: Unrecognized key: "usernameAtribute"/),
        expect.stringMatching(/huggingface\.membership/),
        expect.stringMatching(/rules\[0\]\.role: must be one of admin, write, contributor, read/),
        expect.stringMatching(/safety\.maxRemovals: must be a count/),
      ]),
    );
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

describe('the compiled configuration (what the package step ships to Lambda)', () => {
  it('reads back as the Config the source parses to, named by the hash of the source text', () => {
    const compiled = compileConfig(ISSUE_SHAPE, 'config/prod.yaml');
    expect(JSON.parse(compiled)).toMatchObject({
      format: 'hf-iam-sync.compiled-config/1',
      source: { path: 'config/prod.yaml', sha256: configSha256(ISSUE_SHAPE) },
    });
    const read = readCompiledConfig(compiled, 'dist/hf-iam-sync.config.json');
    const parsed = parseConfig(ISSUE_SHAPE, 'config/prod.yaml');
    expect(read).toEqual(parsed);
    expect(read.sourceSha256).toBe(configSha256(ISSUE_SHAPE));
    expect(parseConfig(`${ISSUE_SHAPE}\n# reviewed`, 'c.yaml').sourceSha256).not.toBe(read.sourceSha256);
  });

  it('is checked where it is compiled: a file with problems compiles to nothing', () => {
    expect(() => compileConfig(ISSUE_SHAPE.replace('maxRemovals', 'maxRemoval'), 'config/prod.yaml')).toThrow(
      /config\/prod\.yaml: safety: Unrecognized key: "maxRemoval"/,
    );
  });

  it('refuses a configuration source or another format, saying how to compile', () => {
    const problem = (text: string, origin: string) => {
      try {
        readCompiledConfig(text, origin);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      return null;
    };
    expect(problem(ISSUE_SHAPE, 'config/prod.yaml')).toMatch(
      /- config\/prod\.yaml is a configuration source, not the compiled configuration: .*hf-iam-sync compile --config FILE --out FILE\.json/,
    );
    expect(problem(JSON.stringify({ format: 'hf-iam-sync.compiled-config/0', source: { sha256: 'x' }, file: {} }), 'c.json')).toMatch(
      /- c\.json is not a compiled configuration of this version \(expected format hf-iam-sync\.compiled-config\/1\)/,
    );
    expect(problem('{"organization": "acme"}', 'c.json')).toMatch(/- c\.json is not a compiled configuration/);
  });
});

describe('readSecrets', () => {
  const config = parseConfig(ISSUE_SHAPE, 'c.yaml');

  it('names every missing secret in one error', () => {
    expect(() => readSecrets({}, config.file)).toThrowError(/OKTA_API_TOKEN[\s\S]*HF_TOKEN/);
  });

  it('prefers an API token and accepts a service app key', () => {
    expect(readSecrets({ OKTA_API_TOKEN: 't', HF_TOKEN: 'h' }, config.file).okta).toEqual({ mode: 'SSWS', token: 't' });
    expect(readSecrets({ OKTA_CLIENT_ID: 'c', OKTA_PRIVATE_KEY: 'k', HF_TOKEN: 'h' }, config.file).okta).toMatchObject({
      mode: 'PrivateKey',
      clientId: 'c',
    });
  });

  it('needs a SCIM token in scim modes', () => {
    const scim = parseConfig(ISSUE_SHAPE.replace('membership: roles', 'membership: scim-managed'), 'c.yaml');
    expect(() => readSecrets({ OKTA_API_TOKEN: 't', HF_TOKEN: 'h' }, scim.file)).toThrowError(/HF_SCIM_TOKEN/);
  });
});
