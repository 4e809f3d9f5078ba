import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ForwarderCursors, HubCursor } from '../../ports/forwarder-cursors.js';
import { TableOps } from './table-ops.js';

/** `ForwarderCursors` on the state table: `FWD#{org}` / `HUB#{destination}` → `{at, ids}`. */
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
    await this.#ops.put({ pk: `FWD#${organization}`, sk: `HUB#${destination}`, at: cursor.at, ids: cursor.ids, updatedAt: new Date().toISOString() }, `save the ${destination} cursor of the Hub's audit log`);
  }
}
