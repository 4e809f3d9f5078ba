import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { changeItem } from '../../../shared/adapters/dynamodb/table-ops.js';
import { auditRecordsOf, type StreamRecord } from '../../../shared/adapters/dynamodb/stream-records.js';
import type { ChangeRecord } from '../../../shared/ports/audit-trail.js';

/** Our audit items as the DynamoDB Stream's Lambda event carries them (AWS's documented shape: NEW_IMAGE, typed attribute values). */

const change: ChangeRecord = {
  runId: 'r-1',
  seq: 2,
  organization: 'acme',
  user: 'linus-t',
  oktaUserId: '00uabc',
  action: 'remove',
  effect: 'revoke',
  before: { role: 'write', resourceGroups: [] },
  after: { role: 'no_access', resourceGroups: [] },
  reasons: ['Okta status is DEPROVISIONED'],
  trigger: 'event',
  actor: 'eventbridge:okta-admin',
  outcome: 'applied',
  at: '2026-12-06T10:00:00.000Z',
};
// The whole record as Lambda delivers it; the function reads `eventName` and `dynamodb`.
const streamRecord = (item: Record<string, unknown>, eventName = 'INSERT', sequence = '100'): StreamRecord =>
  ({
    eventID: 'c81e728d9d4c2f636f067f89cc14862c',
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1796580000,
      Keys: marshall({ pk: item.pk, sk: item.sk }),
      NewImage: marshall(item, { removeUndefinedValues: true }),
      SequenceNumber: sequence,
      SizeBytes: 512,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/hf-iam-sync/stream/2026-12-06T00:00:00.000',
  }) as StreamRecord;

describe('audit records from the table stream', () => {
  it('turns change items into audit records and skips everything else', () => {
    const records = auditRecordsOf(
      [
        streamRecord(changeItem(change)),
        streamRecord({ pk: 'LOCK#acme', sk: 'LOCK', owner: 'r-1', expiresAtEpoch: 1 }, 'MODIFY', '101'),
        streamRecord({ pk: 'EVENT#u1', sk: 'EVENT', status: 'done' }, 'INSERT', '102'),
        streamRecord(changeItem({ ...change, seq: 3 }), 'REMOVE', '103'),
        streamRecord(
          changeItem({
            ...change,
            runId: 'ci-1',
            seq: 1,
            action: 'ci-token-issue',
            trigger: 'ci',
            user: 'acme-ci-bot-sa',
            ci: { policy: 'llama-train', issuer: 'github', claims: { repository: 'acme/llama-ft' }, tokenId: 't1', last4: 'wxyz' },
          }),
          'INSERT',
          '104',
        ),
        streamRecord(
          {
            pk: 'CRED#ci-bot',
            sk: 'EVENT#2026-12-06T10:00:00.000Z#rot-1#promote',
            credential: 'ci-bot',
            rotationId: 'rot-1',
            step: 'promote',
            outcome: 'done',
            runId: 'r-9',
            at: '2026-12-06T10:00:00.000Z',
            tokenId: 't2',
            last4: 'abcd',
            ttl: 1,
          },
          'INSERT',
          '105',
        ),
        streamRecord({ pk: 'CRED#ci-bot', sk: 'STATE', credential: 'ci-bot' }, 'MODIFY', '106'),
      ],
      'acme',
    );
    expect(records.map((r) => [r.sequence, r.record.id, r.record.action])).toEqual([
      ['100', 'hf-iam-sync:r-1/2', 'remove'],
      ['104', 'hf-iam-sync:ci-1/1', 'ci-token-issue'],
      ['105', 'hf-iam-sync:rotation/ci-bot/rot-1/promote', 'rotation-promote'],
    ]);
    expect(records[1]!.record.ci).toEqual({
      policy: 'llama-train',
      issuer: 'github',
      claims: { repository: 'acme/llama-ft' },
      tokenId: 't1',
      last4: 'wxyz',
    });
    expect(records[2]!.record).toMatchObject({
      organization: 'acme',
      outcome: 'applied',
      actor: 'rotation:r-9',
      credential: { name: 'ci-bot', step: 'promote', rotationId: 'rot-1', tokenId: 't2', last4: 'abcd' },
    });
    expect(records[0]!.record).toMatchObject({
      source: 'hf-iam-sync',
      targetUser: 'linus-t',
      outcome: 'applied',
      ids: { runId: 'r-1', changeSeq: 2, oktaUserId: '00uabc' },
      actor: 'event:eventbridge:okta-admin',
    });
  });
});
