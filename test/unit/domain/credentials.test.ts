import { describe, expect, it } from 'vitest';
import {
  decideRotation,
  emptyState,
  isOverdue,
  parseDuration,
  parseTokenLabel,
  tokenLabel,
  type CredentialState,
  type CredentialVersion,
  type ServiceAccountCredential,
  type TokenExchangeCredential,
} from '../../../shared/domain/credentials.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-29T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const sa: ServiceAccountCredential = {
  kind: 'service-account',
  name: 'ci',
  secret: 's',
  serviceAccount: 'bot',
  permissions: ['repo.write'],
  strategy: 'overlap',
  gracePeriodMs: DAY,
  rotateEveryMs: 7 * DAY,
};
const tx: TokenExchangeCredential = {
  kind: 'token-exchange',
  name: 'tx',
  secret: 't',
  subject: 'a@acme.example',
  scope: undefined,
  refreshBeforeMs: 2 * 3_600_000,
};
const version = (over: Partial<CredentialVersion>): CredentialVersion => ({
  credential: 'ci',
  versionId: 'v1',
  tokenId: 'tok1',
  last4: 'abcd',
  fingerprint: 'sha256:x',
  stage: 'current',
  createdAt: ago(3 * DAY),
  promotedAt: ago(3 * DAY),
  ...over,
});
const withCurrent: CredentialState = { credential: 'ci', currentVersionId: 'v1', rotation: null, lastRotatedAt: ago(3 * DAY) };

describe('decideRotation', () => {
  it.each([
    ['first rotation', sa, emptyState('ci'), [], false, 'start', 'no current version yet'],
    ['not due', sa, withCurrent, [version({})], false, 'none', 'next rotation in 4d 0h'],
    ['due after the period', sa, withCurrent, [version({ promotedAt: ago(7 * DAY) })], false, 'start', 'is 7d 0h old (rotate every 7d 0h)'],
    ['forced', sa, withCurrent, [version({})], true, 'start', 'rotation requested'],
    [
      'exchange, fresh',
      tx,
      { ...withCurrent, credential: 'tx' },
      [version({ expiresAt: new Date(NOW.getTime() + 5 * 3_600_000).toISOString() })],
      false,
      'none',
      'refresh in 3h 0m',
    ],
    [
      'exchange, near expiry',
      tx,
      { ...withCurrent, credential: 'tx' },
      [version({ expiresAt: new Date(NOW.getTime() + 3_600_000).toISOString() })],
      false,
      'start',
      'expires in 1h 0m',
    ],
    ['exchange, expired', tx, { ...withCurrent, credential: 'tx' }, [version({ expiresAt: ago(1) })], false, 'start', 'has expired'],
  ] as const)('%s', (_name, spec, state, versions, force, action, reason) => {
    const decision = decideRotation(spec, state, versions, NOW, force);
    expect(decision.action).toBe(action);
    expect(decision.reason).toContain(reason);
  });

  it('resumes an unfinished rotation before anything else, even when forced', () => {
    const state: CredentialState = {
      ...withCurrent,
      rotation: {
        rotationId: 'r2',
        step: 'verify',
        startedAt: ago(1000),
        attempts: 2,
        lastError: { step: 'verify', message: 'HTTP 503', at: ago(10) },
      },
    };
    expect(decideRotation(sa, state, [version({})], NOW, true)).toMatchObject({
      action: 'resume',
      resumeAt: 'verify',
      reason: expect.stringContaining('(last attempt: HTTP 503)'),
    });
  });

  it('lists previous versions whose grace period is over for deletion, and only those', () => {
    const versions = [
      version({ versionId: 'v0', tokenId: 't0', stage: 'previous', deleteAfter: ago(1) }),
      version({ versionId: 'v9', tokenId: 't9', stage: 'previous', deleteAfter: new Date(NOW.getTime() + 1).toISOString() }),
      version({ versionId: 'vx', tokenId: 'tx', stage: 'deleted', deleteAfter: ago(DAY) }),
      version({}),
    ];
    expect(decideRotation(sa, withCurrent, versions, NOW).deletions.map((v) => v.tokenId)).toEqual(['t0']);
  });
});

describe('isOverdue', () => {
  it.each([
    ['no current version', emptyState('ci'), [], true],
    ['within the period', withCurrent, [version({})], false],
    ['past the period', withCurrent, [version({ promotedAt: ago(7 * DAY + 1) })], true],
  ] as const)('%s → %s', (_n, state, versions, expected) => {
    expect(isOverdue(sa, state, versions, NOW)).toBe(expected);
  });
});

describe('durations and labels', () => {
  it.each([
    ['7d', 7 * DAY],
    ['36h', 36 * 3_600_000],
    ['90m', 90 * 60_000],
    ['0s', 0],
    ['1w', 7 * DAY],
    ['7 days', undefined],
    ['-1h', undefined],
    ['h', undefined],
  ])('%s → %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('round-trips a token label and ignores names it did not make', () => {
    const id = '6f1c2b7e-0d1a-4c8e-9b1f-2a3b4c5d6e7f';
    expect(parseTokenLabel(tokenLabel('ci-models', id))).toEqual({ credential: 'ci-models', rotationId: id });
    expect(parseTokenLabel('pasted into CI by hand')).toBeUndefined();
  });
});
