import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCiTokenLedger } from '../../shared/adapters/dynamodb/ci-token-ledger.js';
import { dynamoDbStateStore } from '../../shared/adapters/dynamodb/dynamodb-state-store.js';
import type { CiTokenLedger, CiTokenRecord } from '../../shared/ports/ci-token-ledger.js';
import type { ChangeRecord } from '../../shared/ports/audit-trail.js';
import { InMemoryCiTokenLedger } from '../fakes/in-memory-ci-token-ledger.js';
import { contractBackends } from '../helpers/contract-backends.js';

/**
 * The CI token ledger's contract, held by the DynamoDB adapter on dynalite and on DynamoDB Local,
 * and by the in-memory ledger the unit tests use: one jti once, a token and its audit record
 * together, live tokens soonest first, ended ones gone from the live list but kept.
 */

const backends = contractBackends(
  (doc, table) => {
    const state = dynamoDbStateStore(doc, table);
    return {
      ledger: new DynamoDbCiTokenLedger(doc, table, 'acme') as CiTokenLedger,
      audit: (runId: string) => state.listRunChanges(runId, 0, 10),
    };
  },
  () => {
    const ledger = new InMemoryCiTokenLedger();
    return { ledger: ledger as CiTokenLedger, audit: async (runId: string) => ledger.audit.filter((c) => c.runId === runId) };
  },
);
type Setup = Awaited<ReturnType<(typeof backends)[number]['start']>>;

const token = (id: string, expiresAt: string): CiTokenRecord => ({
  tokenId: id,
  last4: 'abcd',
  policy: 'train',
  serviceAccountId: 'sa1',
  serviceAccount: 'acme-ci-bot-sa',
  issuer: 'github',
  claims: { repository: 'acme/m' },
  permissions: [],
  repos: ['acme/m'],
  repoPermissions: ['repo.write'],
  issuedAt: '2026-12-06T10:00:00.000Z',
  expiresAt,
  runId: `ci-${id}`,
  status: 'live',
});
const audit = (runId: string, outcome: ChangeRecord['outcome']): ChangeRecord => ({
  runId,
  seq: 1,
  organization: 'acme',
  user: 'acme-ci-bot-sa',
  oktaUserId: null,
  action: 'ci-token-issue',
  effect: 'grant',
  before: null,
  after: null,
  reasons: ['policy train'],
  trigger: 'ci',
  actor: 'ada',
  outcome,
  at: '2026-12-06T10:00:00.000Z',
  ci: { policy: 'train', issuer: 'github', claims: {} },
});

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`CI token ledger on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await backend.start();
    }, 60_000);
    afterAll(async () => {
      await setup?.stop();
    });

    it('claims a jti once per issuer, and again once given back', async () => {
      const exp = new Date(Date.now() + 300_000);
      expect(await setup.ledger.claimJti('github', 'j1', exp)).toBe(true);
      expect(await setup.ledger.claimJti('github', 'j1', exp)).toBe(false);
      expect(await setup.ledger.claimJti('gitlab', 'j1', exp)).toBe(true);
      await setup.ledger.releaseJti('github', 'j1');
      expect(await setup.ledger.claimJti('github', 'j1', exp)).toBe(true);
    });

    it('keeps a token with its audit record; lists live ones soonest to expire first; an ended one leaves the list but stays readable', async () => {
      await setup.ledger.recordIssued(token('t2', '2026-12-06T12:00:00.000Z'), audit('ci-t2', 'applied'));
      await setup.ledger.recordIssued(token('t1', '2026-12-06T11:00:00.000Z'), audit('ci-t1', 'applied'));
      expect((await setup.ledger.listLive()).map((t) => t.tokenId)).toEqual(['t1', 't2']);
      expect(await setup.audit('ci-t1')).toEqual([audit('ci-t1', 'applied')]);
      const ended = {
        ...token('t1', '2026-12-06T11:00:00.000Z'),
        status: 'deleted' as const,
        endedAt: '2026-12-06T11:00:30.000Z',
        endReason: 'its TTL ended',
      };
      await setup.ledger.recordEnded(ended, { ...audit('ci-sweep', 'applied'), action: 'ci-token-delete' });
      expect((await setup.ledger.listLive()).map((t) => t.tokenId)).toEqual(['t2']);
      expect(await setup.ledger.getToken('t1')).toEqual(ended);
      expect(await setup.ledger.getToken('nope')).toBeNull();
    });

    it('records a refusal in the audit trail', async () => {
      await setup.ledger.recordRefused(audit('ci-r1', 'failed'));
      expect((await setup.audit('ci-r1')).map((c) => c.outcome)).toEqual(['failed']);
    });
  });
}
