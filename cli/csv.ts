/** A CSV column: its header and how to read it from one item. */
export type Column<T> = [string, (item: T) => string];

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
export const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function renderCsv<T>(columns: ReadonlyArray<Column<T>>, items: readonly T[]): string {
  return [columns.map(([name]) => name), ...items.map((item) => columns.map(([, get]) => get(item)))].map((row) => row.map(csvField).join(',')).join('\r\n');
}
