import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../shared/domain/audit-record.js';
import type { HubAuditEvent } from '../../../shared/domain/out-of-band.js';
import { advance, eventsAfter, forwardHubAudit, type ForwardHubPorts } from '../../../shared/audit-stream/forward-hub-audit.js';
import type { AuditDestination } from '../../../shared/ports/audit-destination.js';
import { UpstreamError } from '../../../shared/runtime/errors.js';
import { InMemoryForwarderCursors } from '../../fakes/in-memory-forwarder-cursors.js';

/** Forwarding the Hub's audit log with in-memory ports: per-destination cursors, one destination down, boundaries. */

const NOW = new Date('2026-12-06T12:00:00.000Z');
const event = (id: string, at: string, author = 'ada-acme'): HubAuditEvent => ({
  id,
  at,
  type: 'org.change_role',
  author,
  message: `m ${id}`,
  data: { user: 'grace-h', role: 'write' },
});

class Destination implements AuditDestination {
  readonly seen: string[] = [];
  failures = 0;
  constructor(readonly name: string) {}
  async deliver(records: readonly AuditRecord[]) {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new UpstreamError('datadog', 'send', 'HTTP 500', 500);
    }
    this.seen.push(...records.map((r) => r.id));
    return { accepted: records.length, refused: [] };
  }
}

function world(events: HubAuditEvent[]) {
  const cw = new Destination('cloudwatch-logs');
  const dd = new Destination('datadog');
  const cursors = new InMemoryForwarderCursors();
  const ports: ForwardHubPorts = {
    hub: {
      exportAuditLog: async () => [...events],
      whoami: async () =>
        ({ user: 'root-admin', plan: 'enterprise', roleInOrg: 'admin', tokenRole: 'write', permissions: [], restrictions: [] }) as never,
    },
    trail: { listChanges: async () => [] },
    cursors,
    destinations: [cw, dd],
    clock: () => NOW,
  };
  return {
    cw,
    dd,
    cursors,
    ports,
    run: () => forwardHubAudit(ports, { organization: 'acme', tokenLast4: null, lookBackMs: 3_600_000, chunk: 2 }),
  };
}

describe('forwardHubAudit', () => {
  it('starts from the look-back, and a rerun forwards nothing twice', async () => {
    const w = world([
      event('a', '2026-12-06T10:30:00.000Z'),
      event('b', '2026-12-06T11:10:00.000Z'),
      event('c', '2026-12-06T11:50:00.000Z'),
    ]);
    await w.run();
    await w.run();
    expect(w.cw.seen).toEqual(['hub:b', 'hub:c']);
    expect(w.dd.seen).toEqual(['hub:b', 'hub:c']);
  });

  it('keeps CloudWatch flowing while Datadog fails, and Datadog catches up from its own cursor, each record once', async () => {
    const events = ['1', '2', '3', '4', '5'].map((n) => event(n, `2026-12-06T11:0${n}:00.000Z`));
    const w = world(events);
    w.dd.failures = 2;
    const first = await w.run();
    expect(first.find((r) => r.destination === 'datadog')).toMatchObject({
      delivered: 0,
      error: expect.stringContaining('HTTP 500'),
      backlogMs: 59 * 60_000,
    });
    expect(w.cw.seen).toHaveLength(5);
    const second = await w.run(); // still failing once
    expect(second.find((r) => r.destination === 'cloudwatch-logs')).toMatchObject({ delivered: 0, backlogMs: 0 });
    await w.run();
    expect(w.dd.seen).toEqual(events.map((e) => `hub:${e.id}`));
    expect(w.cw.seen).toEqual(events.map((e) => `hub:${e.id}`));
  });

  it('a destination that fails mid-way resumes after its last accepted chunk (a gap never, a repeat only of the chunk under way)', async () => {
    const events = ['1', '2', '3', '4', '5'].map((n) => event(n, `2026-12-06T11:0${n}:00.000Z`));
    const w = world(events);
    let calls = 0;
    const deliver = w.dd.deliver.bind(w.dd);
    w.dd.deliver = async (records) => {
      calls += 1;
      if (calls === 2) throw new UpstreamError('datadog', 'send', 'HTTP 503', 503);
      return deliver(records);
    };
    await w.run();
    await w.run();
    expect(w.dd.seen).toEqual(['hub:1', 'hub:2', 'hub:3', 'hub:4', 'hub:5']);
  });
});

describe('cursor boundaries', () => {
  it('keeps events of the same millisecond apart by id, across deliveries', () => {
    const t = '2026-12-06T11:00:00.000Z';
    const all = [event('x', t), event('y', t), event('z', t), event('w', '2026-12-06T11:00:00.001Z')];
    const c1 = advance(
      { at: '2026-12-06T10:00:00.000Z', ids: [] },
      eventsAfter(all, { at: '2026-12-06T10:00:00.000Z', ids: [] }).slice(0, 2),
    );
    expect(c1).toEqual({ at: t, ids: ['x', 'y'] });
    expect(eventsAfter(all, c1).map((e) => e.id)).toEqual(['z', 'w']);
    const c2 = advance(c1, [event('z', t)]);
    expect(c2).toEqual({ at: t, ids: ['x', 'y', 'z'] });
    expect(eventsAfter(all, c2).map((e) => e.id)).toEqual(['w']);
  });
});
