import { describe, expect, it } from 'vitest';
import { drainBacklogs, forwardOwnRecords, type ForwardOwnPorts } from '../../../shared/audit-stream/forward-own-records.js';
import { AUDIT_RECORD_SCHEMA, type AuditRecord } from '../../../shared/domain/audit-record.js';
import type { AuditDestination } from '../../../shared/ports/audit-destination.js';
import { withDeadline } from '../../../shared/runtime/deadline.js';
import { UpstreamError } from '../../../shared/runtime/errors.js';
import { InMemoryForwarderCursors } from '../../fakes/in-memory-forwarder-cursors.js';

/** Our own records to the destinations with in-memory ports: a destination down goes to its backlog, the others on; drains oldest first. */

const NOW = new Date('2026-12-06T12:00:00.000Z');
const record = (seq: number, minute = seq): AuditRecord => ({
  schema: AUDIT_RECORD_SCHEMA,
  id: `hf-iam-sync:r-1/${seq}`,
  time: `2026-12-06T11:${String(minute).padStart(2, '0')}:00.000Z`,
  source: 'hf-iam-sync',
  organization: 'acme',
  action: 'remove',
  actor: 'event:eventbridge:okta',
  targetUser: `p${seq}`,
  before: null,
  after: null,
  outcome: 'applied',
  ids: { runId: 'r-1', changeSeq: seq },
  reason: null,
});

class Destination implements AuditDestination {
  readonly seen: string[] = [];
  down = false;
  constructor(readonly name: string) {}
  async deliver(records: readonly AuditRecord[]) {
    if (this.down) throw new UpstreamError('datadog', 'send', 'HTTP 503', 503);
    this.seen.push(...records.map((r) => r.id));
    return { accepted: records.length, refused: [] };
  }
}

function world() {
  const cw = new Destination('cloudwatch-logs');
  const dd = new Destination('datadog');
  const cursors = new InMemoryForwarderCursors();
  const ports: ForwardOwnPorts = { cursors, destinations: [cw, dd], clock: () => NOW };
  return { cw, dd, cursors, ports };
}

describe('forwardOwnRecords and drainBacklogs', () => {
  it('delivers to every destination; one that fails gets the records in its backlog and the other is not held back', async () => {
    const w = world();
    w.dd.down = true;
    const report = await forwardOwnRecords(w.ports, 'acme', [record(1), record(2)]);
    expect(report).toEqual([
      { destination: 'cloudwatch-logs', delivered: 2, refused: 0, backlogged: 0 },
      { destination: 'datadog', delivered: 0, refused: 0, backlogged: 2, error: expect.stringContaining('HTTP 503') },
    ]);
    expect(w.cw.seen).toEqual(['hf-iam-sync:r-1/1', 'hf-iam-sync:r-1/2']);
    expect((await w.cursors.backlog('acme', 'datadog', 10)).map((r) => r.id)).toEqual(['hf-iam-sync:r-1/1', 'hf-iam-sync:r-1/2']);
  });

  it('queues behind a backlog without calling the destination, and a drain delivers it oldest first, then direct delivery resumes', async () => {
    const w = world();
    w.dd.down = true;
    await forwardOwnRecords(w.ports, 'acme', [record(5)]);
    w.dd.down = false;
    const queued = await forwardOwnRecords(w.ports, 'acme', [record(3, 1)]);
    expect(queued[1]).toEqual({ destination: 'datadog', delivered: 0, refused: 0, backlogged: 1 });
    expect(w.dd.seen).toEqual([]);
    const drained = await drainBacklogs(w.ports, 'acme');
    expect(drained).toEqual([
      { destination: 'cloudwatch-logs', delivered: 0, refused: 0, backlogMs: 0 },
      { destination: 'datadog', delivered: 2, refused: 0, backlogMs: 0 },
    ]);
    expect(w.dd.seen).toEqual(['hf-iam-sync:r-1/3', 'hf-iam-sync:r-1/5']);
    await forwardOwnRecords(w.ports, 'acme', [record(6)]);
    expect(w.dd.seen.at(-1)).toBe('hf-iam-sync:r-1/6');
  });

  it('reports how old a backlog that cannot drain is, and keeps it whole', async () => {
    const w = world();
    w.dd.down = true;
    await forwardOwnRecords(w.ports, 'acme', [record(10), record(20)]);
    const drained = await drainBacklogs(w.ports, 'acme');
    expect(drained[1]).toEqual({
      destination: 'datadog',
      delivered: 0,
      refused: 0,
      backlogMs: 50 * 60_000,
      error: expect.stringContaining('HTTP 503'),
    });
    expect(await w.cursors.backlog('acme', 'datadog', 10)).toHaveLength(2);
  });

  it('fails the batch (the stream delivers it again) only when a backlog cannot be written', async () => {
    const w = world();
    w.dd.down = true;
    w.cursors.addToBacklog = async () => {
      throw new UpstreamError('dynamodb', 'batch write', 'ProvisionedThroughputExceededException', 400);
    };
    await expect(forwardOwnRecords(w.ports, 'acme', [record(1)])).rejects.toThrow(/ProvisionedThroughputExceeded/);
  });

  it('leaves a backlog for the next run when the invocation has too little time left', async () => {
    const w = world();
    w.dd.down = true;
    await forwardOwnRecords(w.ports, 'acme', [record(1)]);
    w.dd.down = false;
    const drained = await withDeadline(Date.now() + 5_000, () => drainBacklogs(w.ports, 'acme'));
    expect(drained[1]).toMatchObject({ delivered: 0, backlogMs: 59 * 60_000 });
    expect(w.dd.seen).toEqual([]);
  });
});
