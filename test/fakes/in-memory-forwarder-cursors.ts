import type { ForwarderCursors, HubCursor } from '../../shared/ports/forwarder-cursors.js';

/** `ForwarderCursors` in memory, held to the same contract test as the DynamoDB adapter. */
export class InMemoryForwarderCursors implements ForwarderCursors {
  readonly cursors = new Map<string, HubCursor>();

  async getHubCursor(organization: string, destination: string): Promise<HubCursor | null> {
    const cursor = this.cursors.get(`${organization}#${destination}`);
    return cursor ? structuredClone(cursor) : null;
  }

  async putHubCursor(organization: string, destination: string, cursor: HubCursor): Promise<void> {
    this.cursors.set(`${organization}#${destination}`, structuredClone(cursor));
  }
}
