/**
 * How far each destination has the Hub's audit log: every event before `at` was accepted, and of
 * the events at `at` exactly those in `ids` (the export can hold several events in one millisecond,
 * and a delivery can end between them). Each destination has its own cursor, so one that is down
 * never holds another back, and none moves past what its destination has not accepted.
 */
export interface HubCursor {
  at: string;
  ids: string[];
}

export interface ForwarderCursors {
  getHubCursor(organization: string, destination: string): Promise<HubCursor | null>;
  putHubCursor(organization: string, destination: string, cursor: HubCursor): Promise<void>;
}
