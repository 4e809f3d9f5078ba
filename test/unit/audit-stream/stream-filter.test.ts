import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../sandbox/aws/dynamodb-stream-poller.js';
import { readStackFilterPatterns } from '../../helpers/stack.js';

/** The stack's filter on the table's stream (serverless.yml), as Lambda applies it: our audit items in, everything else out. */

const record = (pk: string, sk: string, eventName = 'INSERT') => ({
  eventName,
  dynamodb: { Keys: marshall({ pk, sk }), NewImage: marshall({ pk, sk }) },
});

describe("the audit-forwarder's stream filter", () => {
  it('keeps change items and rotation steps as they are written, and nothing else', async () => {
    const filters = await readStackFilterPatterns('audit-forwarder');
    const kept = (r: unknown) => filters.some((f) => matchesPattern(f, r));
    expect(kept(record('RUN#r-1', 'CHANGE#000001'))).toBe(true);
    expect(kept(record('RUN#ci-1', 'CHANGE#000001', 'MODIFY'))).toBe(true);
    expect(kept(record('CRED#ci-bot', 'EVENT#2026-12-06T10:00:00.000Z#rot-1#create'))).toBe(true);
    for (const [pk, sk] of [
      ['RUN#r-1', 'RUN'],
      ['LOCK#acme', 'LOCK'],
      ['CRED#ci-bot', 'STATE'],
      ['FWDQ#acme#datadog', '2026#hub:1'],
      ['FWD#acme', 'HUB#datadog'],
      ['CITOKEN#acme', 't1'],
    ]) {
      expect(kept(record(pk!, sk!)), `${pk} ${sk}`).toBe(false);
    }
    expect(kept(record('RUN#r-1', 'CHANGE#000001', 'REMOVE'))).toBe(false); // a TTL deletion is not evidence
  });
});
