/** Named cursors (the System Log poll's next link). */
export interface Cursors {
  /** A named cursor, or null before the first poll. */
  getCursor(name: string): Promise<string | null>;
  putCursor(name: string, value: string, now: Date): Promise<void>;
}
