/**
 * Reads a time flag (`--since`, `--until`) as a full ISO 8601 string, or records why it cannot.
 * Full ISO strings compare correctly with the times the audit trail and the Hub store.
 * @example parseTimeFlag('since', '2026-11-01', problems) === '2026-11-01T00:00:00.000Z'
 */
export function parseTimeFlag(flag: string, value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    problems.push(`--${flag} "${value}" is not a date or time (use ISO 8601, e.g. 2026-11-01 or 2026-11-01T09:00:00Z)`);
    return undefined;
  }
  return new Date(ms).toISOString();
}
