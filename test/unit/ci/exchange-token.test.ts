import { describe, expect, it } from 'vitest';
import type { CiAccess, CiIssuer } from '../../../shared/domain/ci-access.js';
import { exchangeCiToken, type CiBrokerPorts, type ExchangeHub } from '../../../shared/ci-tokens/exchange-token.js';
import { GrantCache } from '../../../shared/ci-tokens/grant-cache.js';
import type { Parsed } from '../../../shared/ci-tokens/exchange-request.js';
import { IdTokenRejectedError, UpstreamError } from '../../../shared/runtime/errors.js';
import { InMemoryCiTokenLedger } from '../../fakes/in-memory-ci-token-ledger.js';

/** The exchange's rules with in-memory ports: what each failure leaves behind. */

const issuer: CiIssuer = { name: 'github', url: 'https://issuer.example', audience: 'acme', maxTokenAgeMs: 900_000 };
const access: CiAccess = {
  issuers: [issuer],
  policies: [
    {
      name: 'train',
      issuer: 'github',
      claims: { repository: 'acme/m' },
      serviceAccount: 'ci-bot',
      permissions: [],
      repos: ['acme/m'],
      repoPermissions: ['repo.write'],
      ttlMs: 600_000,
    },
  ],
};
const request = (token: string): Parsed => ({ kind: 'exchange', request: { subjectToken: token, resource: undefined } });

function world(options: { createFails?: number; recordFails?: boolean; refusalFails?: boolean } = {}) {
  const ledger = new InMemoryCiTokenLedger();
  const calls: string[] = [];
  const tokens = new Set<string>();
  let failures = options.createFails ?? 0;
  const hub: ExchangeHub = {
    listServiceAccounts: async () => [{ id: 'sa1', user: 'acme-ci-bot-sa', name: 'ci-bot' }],
    repoId: async () => 'a'.repeat(24),
    createToken: async () => {
      calls.push('create');
      if (failures-- > 0) throw new UpstreamError('huggingface', 'create a token', 'HTTP 503', 503);
      tokens.add('t1');
      return { id: 't1', value: 'hf_secretvalue1234' };
    },
    deleteToken: async (_sa, id) => {
      calls.push('delete');
      tokens.delete(id);
    },
  };
  if (options.recordFails)
    ledger.recordIssued = async () => {
      throw new UpstreamError('dynamodb', 'record', 'throttled');
    };
  if (options.refusalFails)
    ledger.recordRefused = async () => {
      throw new UpstreamError('dynamodb', 'record', 'throttled');
    };
  const ports: CiBrokerPorts = {
    verifier: {
      verify: async (token) => {
        if (token === 'forged') throw new IdTokenRejectedError('the signature does not verify');
        return { issuer, claims: { repository: 'acme/m', jti: token }, jti: token, expiresAt: new Date(Date.now() + 300_000) };
      },
    },
    ledger,
    hub: async () => hub,
    grants: new GrantCache(),
    events: undefined,
    clock: () => new Date('2026-12-06T10:00:00Z'),
    newRunId: () => 'ci-1',
  };
  return { ports, ledger, calls, tokens };
}

describe('exchangeCiToken', () => {
  it('issues, and records the token with its audit record', async () => {
    const w = world();
    const outcome = await exchangeCiToken(w.ports, { organization: 'acme', ciAccess: access }, request('j1'));
    expect(outcome).toMatchObject({
      kind: 'issued',
      expiresInSeconds: 600,
      record: { tokenId: 't1', last4: '1234', expiresAt: '2026-12-06T10:10:00.000Z' },
    });
    expect(w.ledger.audit.map((a) => `${a.action} ${a.outcome}`)).toEqual(['ci-token-issue applied']);
    expect(JSON.stringify(w.ledger.audit)).not.toContain('hf_secretvalue1234');
  });

  it('gives the jti back when the Hub fails, so the retry with the same ID token is issued, not refused as a replay', async () => {
    const w = world({ createFails: 1 });
    expect(await exchangeCiToken(w.ports, { organization: 'acme', ciAccess: access }, request('j2'))).toMatchObject({
      kind: 'failed',
      status: 503,
    });
    expect(await exchangeCiToken(w.ports, { organization: 'acme', ciAccess: access }, request('j2'))).toMatchObject({ kind: 'issued' });
  });

  it('deletes the token at once when its record cannot be written: nothing lives that the sweeper does not know', async () => {
    const w = world({ recordFails: true });
    expect(await exchangeCiToken(w.ports, { organization: 'acme', ciAccess: access }, request('j3'))).toMatchObject({ kind: 'failed' });
    expect(w.calls).toEqual(['create', 'delete']);
    expect(w.tokens.size).toBe(0);
  });

  it('answers 503, not a refusal nobody recorded, when the refusal cannot be written', async () => {
    const w = world({ refusalFails: true });
    expect(await exchangeCiToken(w.ports, { organization: 'acme', ciAccess: access }, request('forged'))).toMatchObject({
      kind: 'failed',
      status: 503,
    });
    expect(w.calls).toEqual([]);
  });
});
