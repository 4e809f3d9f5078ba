import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbForwarderCursors } from '../../shared/adapters/dynamodb/forwarder-cursors.js';
import { AUDIT_RECORD_SCHEMA, type AuditRecord } from '../../shared/domain/audit-record.js';
import type { ForwarderCursors } from '../../shared/ports/forwarder-cursors.js';
import { InMemoryForwarderCursors } from '../fakes/in-memory-forwarder-cursors.js';
import { contractBackends } from '../helpers/contract-backends.js';

/**
 * The audit forwarder's cursors and backlogs, held by the DynamoDB adapter on dynalite and on
 * DynamoDB Local, and by the in-memory fake: a cursor per destination; a backlog per destination,
 * oldest first, a record once however often it is added, gone once removed.
 */

const backends = contractBackends(
  (doc, table) => ({ cursors: new DynamoDbForwarderCursors(doc, table) as ForwarderCursors }),
  () => ({ cursors: new InMemoryForwarderCursors() as ForwarderCursors }),
);
type Setup = Awaited<ReturnType<(typeof backends)[number]['start']>>;

const record = (seq: number, time: string): AuditRecord => ({
  schema: AUDIT_RECORD_SCHEMA,
  id: `hf-iam-sync:r-1/${seq}`,
  time,
  source: 'hf-iam-sync',
  organization: 'acme',
  action: 'remove',
  actor: 'event:eventbridge:okta',
  targetUser: `p${seq}`,
  before: { role: 'write', resourceGroups: [] },
  after: { role: 'no_access', resourceGroups: [] },
  outcome: 'applied',
  ids: { runId: 'r-1', changeSeq: seq },
  reason: 'deactivated',
});

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`forwarder cursors on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await backend.start();
    }, 60_000);
    afterAll(async () => {
      await setup?.stop();
    });

    it('keeps one Hub cursor per destination', async () => {
      const { cursors } = setup;
      expect(await cursors.getHubCursor('acme', 'datadog')).toBeNull();
      await cursors.putHubCursor('acme', 'datadog', { at: '2026-12-06T10:00:00.000Z', ids: ['a', 'b'] });
      await cursors.putHubCursor('acme', 'cloudwatch-logs', { at: '2026-12-06T11:00:00.000Z', ids: ['c'] });
      expect(await cursors.getHubCursor('acme', 'datadog')).toEqual({ at: '2026-12-06T10:00:00.000Z', ids: ['a', 'b'] });
      expect(await cursors.getHubCursor('acme', 'cloudwatch-logs')).toEqual({ at: '2026-12-06T11:00:00.000Z', ids: ['c'] });
      expect(await cursors.getHubCursor('other', 'datadog')).toBeNull();
    });

    it('keeps a backlog per destination, oldest first, each record once, until removed', async () => {
      const { cursors } = setup;
      const late = record(1, '2026-12-06T10:05:00.000Z');
      const early = record(2, '2026-12-06T10:01:00.000Z');
      const many = Array.from({ length: 60 }, (_, i) => record(100 + i, `2026-12-06T11:${String(i).padStart(2, '0')}:00.000Z`));
      await cursors.addToBacklog('acme', 'datadog', [late, early, late]);
      await cursors.addToBacklog('acme', 'datadog', [early, ...many]);
      expect(await cursors.backlog('acme', 'cloudwatch-logs', 10)).toEqual([]);
      const all = await cursors.backlog('acme', 'datadog', 1_000);
      expect(all.map((r) => r.id)).toEqual([early, late, ...many].map((r) => r.id));
      expect(all[0]).toEqual(early);
      expect((await cursors.backlog('acme', 'datadog', 3)).map((r) => r.id)).toEqual([early.id, late.id, many[0]!.id]);
      await cursors.removeFromBacklog('acme', 'datadog', [early, ...many]);
      expect(await cursors.backlog('acme', 'datadog', 1_000)).toEqual([late]);
      await cursors.removeFromBacklog('acme', 'datadog', [late]);
      expect(await cursors.backlog('acme', 'datadog', 1_000)).toEqual([]);
    });
  });
}
