import { describe, expect, it } from 'vitest';
import { hubUsernameProblem, scimName } from '../../../shared/domain/scim.js';

describe('SCIM payload rules (the Hub OpenAPI: userName pattern, both name parts ≥ 1 character)', () => {
  it.each([
    ['ada-acme', null],
    ['a', 'is 1 characters long (the Hub takes 2 to 42)'],
    ['x'.repeat(43), 'is 43 characters long (the Hub takes 2 to 42)'],
    ['jo--e', 'has two dashes in a row'],
    ['-joe', 'starts or ends with a dash'],
    ['12345', 'is only digits'],
    ['0123456789abcdef01234567', 'looks like a 24-character hex id'],
    ['joe.smith', 'has characters other than letters, digits and dashes'],
  ])('%s → %s', (name, problem) => {
    expect(hubUsernameProblem(name)).toBe(problem);
  });

  it.each([
    [
      { login: 'ada@acme.example', givenName: 'Ada', familyName: 'Lovelace' },
      { givenName: 'Ada', familyName: 'Lovelace' },
    ],
    [
      { login: 'cher@acme.example', givenName: 'Cher', familyName: '' },
      { givenName: 'Cher', familyName: 'Cher' },
    ],
    [
      { login: 'x@acme.example', givenName: ' ', familyName: 'Nakamoto' },
      { givenName: 'Nakamoto', familyName: 'Nakamoto' },
    ],
    [
      { login: 'grace@acme.example', displayName: 'Grace Brewster Hopper' },
      { givenName: 'Grace', familyName: 'Brewster Hopper' },
    ],
    [{ login: 'nobody@acme.example' }, { givenName: 'nobody', familyName: 'nobody' }],
    [{ login: '' }, { givenName: 'hf-user', familyName: 'hf-user' }],
  ])('%o → %o', (user, name) => {
    expect(scimName(user, 'hf-user')).toEqual(name);
  });
});
