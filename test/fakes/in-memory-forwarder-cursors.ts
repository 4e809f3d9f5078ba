import type { AuditRecord } from '../../shared/domain/audit-record.js';
import type { ForwarderCursors, HubCursor } from '../../shared/ports/forwarder-cursors.js';

/** `ForwarderCursors` in memory, held to the same contract test as the DynamoDB adapter. */
export class InMemoryForwarderCursors implements ForwarderCursors {
  readonly cursors = new Map<string, HubCursor>();
  /** `org#destination` → sort key (`time#id`) → record. */
  readonly backlogs = new Map<string, Map<string, AuditRecord>>();

  async getHubCursor(organization: string, destination: string): Promise<HubCursor | null> {
    const cursor = this.cursors.get(`${organization}#${destination}`);
    return cursor ? structuredClone(cursor) : null;
  }

  async putHubCursor(organization: string, destination: string, cursor: HubCursor): Promise<void> {
    this.cursors.set(`${organization}#${destination}`, structuredClone(cursor));
  }

  async addToBacklog(organization: string, destination: string, records: readonly AuditRecord[]): Promise<void> {
    const queue = this.backlogs.get(`${organization}#${destination}`) ?? new Map<string, AuditRecord>();
    for (const r of records) queue.set(`${r.time}#${r.id}`, structuredClone(r));
    this.backlogs.set(`${organization}#${destination}`, queue);
  }

  async backlog(organization: string, destination: string, limit: number): Promise<AuditRecord[]> {
    const queue = this.backlogs.get(`${organization}#${destination}`) ?? new Map<string, AuditRecord>();
    return [...queue.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([, r]) => structuredClone(r));
  }

  async removeFromBacklog(organization: string, destination: string, records: readonly AuditRecord[]): Promise<void> {
    const queue = this.backlogs.get(`${organization}#${destination}`);
    for (const r of records) queue?.delete(`${r.time}#${r.id}`);
  }
}
