import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatadogIntakeStandIn } from '../../sandbox/datadog/datadog-intake-stand-in.js';
import { DatadogDestination } from '../../shared/adapters/datadog/datadog-destination.js';
import { AUDIT_RECORD_SCHEMA, type AuditRecord } from '../../shared/domain/audit-record.js';
import { UpstreamError } from '../../shared/runtime/errors.js';

/** The Datadog audit destination against the logs intake stand-in: entries, batches, compression and the intake's refusals. */

let intake: DatadogIntakeStandIn;
const KEY = 'dd-api-key-not-a-secret-0123';

beforeEach(async () => {
  intake = new DatadogIntakeStandIn(KEY);
  await intake.start();
});
afterEach(async () => {
  await intake.stop();
});

const record = (i: number): AuditRecord => ({
  schema: AUDIT_RECORD_SCHEMA,
  id: `hf-iam-sync:r-1/${i}`,
  time: '2026-12-06T10:00:00.000Z',
  source: 'hf-iam-sync',
  organization: 'acme',
  action: 'remove',
  actor: 'event:eventbridge:okta',
  targetUser: `p${i}`,
  before: { role: 'write', resourceGroups: [] },
  after: { role: 'no_access', resourceGroups: [] },
  outcome: 'applied',
  ids: { runId: 'r-1', changeSeq: i },
  reason: 'Okta status is DEPROVISIONED',
});
const destination = (apiKey = KEY) => new DatadogDestination({ site: intake.baseUrl, apiKey, tags: ['env:test'] });

describe('Datadog audit destination', () => {
  it('sends gzip batches of at most 1,000 entries, ddsource huggingface, service hf-iam-sync, the record as the message', async () => {
    const records = Array.from({ length: 2_500 }, (_, i) => record(i + 1));
    expect(await destination().deliver(records)).toEqual({ accepted: 2_500, refused: [] });
    expect(intake.requests.map((r) => [r.status, r.entries, r.encoding])).toEqual([
      [202, 1000, 'gzip'],
      [202, 1000, 'gzip'],
      [202, 500, 'gzip'],
    ]);
    expect(intake.entries[0]).toEqual({
      ddsource: 'huggingface',
      service: 'hf-iam-sync',
      hostname: 'hf-iam-sync',
      ddtags: 'env:test,source:hf-iam-sync,organization:acme,action:remove',
      message: JSON.stringify(records[0]),
    });
    expect(new Set(intake.entries.map((e) => (JSON.parse(String(e.message)) as AuditRecord).id)).size).toBe(2_500);
  });

  it('throws a retryable error on 429 and 5xx, naming the status, and one naming the key on 403 — never the key itself', async () => {
    for (const status of [429, 500, 503]) {
      intake.failNext = [status];
      const error = await destination()
        .deliver([record(1)])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).status).toBe(status);
      expect((error as Error).message).toContain('retried on the next forwarding');
    }
    const refused = await destination('wrong-key-0000')
      .deliver([record(1)])
      .catch((e: Error) => e);
    expect((refused as UpstreamError).status).toBe(403);
    expect((refused as Error).message).toContain('check the Datadog API key');
    expect((refused as Error).message).not.toContain('wrong-key-0000');
    expect(intake.entries).toHaveLength(0);
  });
  it('sends a record too large for one Datadog log without its copy of the Hub event, so the intake need not truncate it', async () => {
    const big = { ...record(1), source: 'hub' as const, hub: { _id: 'x', message: 'y'.repeat(2_000_000) } };
    expect(await destination().deliver([big, record(2)])).toEqual({ accepted: 2, refused: [] });
    const [first, second] = intake.entries.map((e) => JSON.parse(String(e.message)) as Record<string, unknown>);
    expect(first).toMatchObject({ id: big.id, hubTruncated: true });
    expect(first!.hub).toBeUndefined();
    expect(second!.id).toBe(record(2).id);
  });
});
