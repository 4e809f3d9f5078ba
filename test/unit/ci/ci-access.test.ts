import { describe, expect, it } from 'vitest';
import { choosePolicy, claimMatches, parseRepo, recordedClaims, type CiAccess, type CiPolicy } from '../../../shared/domain/ci-access.js';

const policy = (name: string, claims: Record<string, string>, issuer = 'github'): CiPolicy => ({
  name,
  issuer,
  claims,
  serviceAccount: 'ci-bot',
  permissions: [],
  repos: ['acme/m'],
  repoPermissions: ['repo.content.read'],
  ttlMs: 3_600_000,
});
const access = (...policies: CiPolicy[]): CiAccess => ({ issuers: [], policies });

describe('claimMatches', () => {
  it.each([
    ['refs/heads/main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/heads/main2', false],
    ['refs/heads/*', 'refs/heads/dev', true],
    ['refs/heads/*', 'refs/heads/feature/x', false],
    ['acme/*', 'acme/x/y', false],
    ['refs/tags/v*.*', 'refs/tags/v1.2', true],
    ['refs/tags/v1.2', 'refs/tags/v1x2', false],
    ['true', true, true],
    ['42', 42, true],
    ['a', undefined, false],
    ['a', { a: 1 }, false],
    ['release-*', 'release-', true],
  ] as const)('%s against %j → %s', (condition, value, expected) => {
    expect(claimMatches(condition, value)).toBe(expected);
  });
});

describe('choosePolicy', () => {
  const train = policy('train', { repository: 'acme/m', ref: 'refs/heads/main' });
  const anyMain = policy('any-main', { repository_owner: 'acme', ref: 'refs/heads/main' });
  const gitlab = policy('gl', { project_path: 'acme/p' }, 'gitlab');

  it('chooses the only policy whose claims all match', () => {
    expect(choosePolicy(access(train, gitlab), 'github', { repository: 'acme/m', ref: 'refs/heads/main' }, undefined)).toEqual({
      kind: 'chosen',
      policy: train,
    });
  });

  it('refuses two matches without a resource, and takes the one named', () => {
    const claims = { repository: 'acme/m', repository_owner: 'acme', ref: 'refs/heads/main' };
    expect(choosePolicy(access(train, anyMain), 'github', claims, undefined)).toMatchObject({ kind: 'refused', error: 'invalid_target' });
    expect(choosePolicy(access(train, anyMain), 'github', claims, 'any-main')).toEqual({ kind: 'chosen', policy: anyMain });
  });

  it('says which claim of which policy did not match', () => {
    const answer = choosePolicy(
      access(train, anyMain),
      'github',
      { repository: 'acme/m', repository_owner: 'acme', ref: 'refs/heads/dev' },
      undefined,
    );
    expect(answer).toMatchObject({ kind: 'refused', error: 'unauthorized_client' });
    expect(answer.kind === 'refused' && answer.description).toBe(
      'the token\'s claims match no policy — policy "train": ref must be "refs/heads/main", the token says "refs/heads/dev" | policy "any-main": ref must be "refs/heads/main", the token says "refs/heads/dev"',
    );
  });

  it("refuses a resource naming another issuer's policy, or none", () => {
    expect(choosePolicy(access(train, gitlab), 'github', {}, 'gl')).toMatchObject({
      kind: 'refused',
      error: 'invalid_target',
      description: expect.stringContaining('trusts issuer "gitlab", not "github"'),
    });
    expect(choosePolicy(access(train), 'github', {}, 'nope')).toMatchObject({
      kind: 'refused',
      error: 'invalid_target',
      description: expect.stringContaining('is not a policy'),
    });
  });

  it('refuses a named policy whose claims do not match, naming the claim', () => {
    const answer = choosePolicy(access(train), 'github', { repository: 'acme/other', ref: 'refs/heads/main' }, 'train');
    expect(answer).toMatchObject({
      kind: 'refused',
      error: 'unauthorized_client',
      description: expect.stringContaining('repository must be "acme/m", the token says "acme/other"'),
    });
  });

  it('refuses an issuer no policy trusts', () => {
    expect(choosePolicy(access(train), 'gitlab', {}, undefined)).toMatchObject({
      kind: 'refused',
      description: 'no policy trusts issuer "gitlab"',
    });
  });
});

describe('repos and recorded claims', () => {
  it.each([
    ['acme/m', { kind: 'model', id: 'acme/m' }],
    ['datasets/acme/corpus', { kind: 'dataset', id: 'acme/corpus' }],
    ['spaces/acme/demo', { kind: 'space', id: 'acme/demo' }],
    ['models/acme/m', { kind: 'model', id: 'acme/m' }],
    ['acme', null],
    ['datasets/acme', null],
    ['a/b/c', null],
  ] as const)('parseRepo(%s)', (name, expected) => {
    expect(parseRepo(name)).toEqual(expected);
  });

  it('keeps who, where and which run — never anything else of the token', () => {
    expect(recordedClaims({ repository: 'acme/m', run_id: 8, actor: 'ada', secret_thing: 'x', iat: 1 })).toEqual({
      repository: 'acme/m',
      run_id: '8',
      actor: 'ada',
    });
  });
});
