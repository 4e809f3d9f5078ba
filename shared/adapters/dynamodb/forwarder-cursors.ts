import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../domain/audit-record.js';
import type { ForwarderCursors, HubCursor } from '../../ports/forwarder-cursors.js';
import { TableOps } from './table-ops.js';

/**
 * `ForwarderCursors` on the state table: `FWD#{org}` / `HUB#{destination}` → `{at, ids}`, and a
 * destination's backlog under `FWDQ#{org}#{destination}` / `{time}#{record id}` → the record (so a
 * query reads it oldest first). Neither is an audit item: the stream's filter leaves them out.
 */
export class DynamoDbForwarderCursors implements ForwarderCursors {
  readonly #ops: TableOps;

  constructor(doc: DynamoDBDocumentClient, table: string) {
    this.#ops = new TableOps(doc, table);
  }

  async getHubCursor(organization: string, destination: string): Promise<HubCursor | null> {
    const item = await this.#ops.get(`FWD#${organization}`, `HUB#${destination}`);
    return item && typeof item.at === 'string' ? { at: item.at, ids: Array.isArray(item.ids) ? (item.ids as string[]) : [] } : null;
  }

  async putHubCursor(organization: string, destination: string, cursor: HubCursor): Promise<void> {
    await this.#ops.put(
      { pk: `FWD#${organization}`, sk: `HUB#${destination}`, at: cursor.at, ids: cursor.ids, updatedAt: new Date().toISOString() },
      `save the ${destination} cursor of the Hub's audit log`,
    );
  }

  async addToBacklog(organization: string, destination: string, records: readonly AuditRecord[]): Promise<void> {
    const puts = [...new Map(records.map((r) => [r.id, r])).values()].map((record) => ({
      PutRequest: { Item: { ...key(organization, destination, record), record: JSON.stringify(record) } },
    }));
    await this.#ops.batchWrite(
      puts,
      `keep ${records.length} audit records for ${destination}`,
      (left) => `${left} audit records for ${destination} were not kept: the table is throttling; the stream delivers them again`,
    );
  }

  async backlog(organization: string, destination: string, limit: number): Promise<AuditRecord[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `FWDQ#${organization}#${destination}` },
        Limit: Math.min(limit, 1_000),
      },
      `read the ${destination} backlog`,
      limit,
    );
    return items.map((item) => JSON.parse(String(item.record)) as AuditRecord);
  }

  async removeFromBacklog(organization: string, destination: string, records: readonly AuditRecord[]): Promise<void> {
    const deletes = records.map((record) => ({ DeleteRequest: { Key: key(organization, destination, record) } }));
    await this.#ops.batchWrite(
      deletes,
      `remove ${records.length} delivered audit records from the ${destination} backlog`,
      (left) =>
        `${left} delivered audit records stay in the ${destination} backlog (the table is throttling): they are delivered again, with the same ids`,
    );
  }
}

const key = (organization: string, destination: string, record: AuditRecord) => ({
  pk: `FWDQ#${organization}#${destination}`,
  sk: `${record.time}#${record.id}`,
});
