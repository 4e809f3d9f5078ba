/** Tables on a terminal and in CSV: the CLI's one way to lay out rows. */

/** A CSV column: its header and how to read it from one item. */
export type Column<T> = [string, (item: T) => string];

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function renderCsv<T>(columns: ReadonlyArray<Column<T>>, items: readonly T[]): string {
  return [columns.map(([name]) => name), ...items.map((item) => columns.map(([, get]) => get(item)))]
    .map((row) => row.map(csvField).join(','))
    .join('\r\n');
}

/** Rows (the header first) as lines of columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function alignColumns(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}
