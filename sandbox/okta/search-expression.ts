/**
 * The subset of Okta's `search` expression language the stand-in understands:
 * `attr eq "v"`, `attr sw "v"`, `attr ne "v"`, `attr pr`, joined with `and` / `or`, with
 * parentheses. String comparisons are case-insensitive, as Okta's are for these operators.
 * Anything else is a 400, as Okta answers an invalid search.
 */

export type Matcher = (get: (attribute: string) => unknown) => boolean;

const TOKEN = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (match = TOKEN.exec(text))) tokens.push(match[1]!);
  if (text.slice(TOKEN.lastIndex).trim() !== '') throw new Error(`Invalid search expression near "${text.slice(TOKEN.lastIndex)}"`);
  return tokens;
}

export function parseSearch(text: string): Matcher {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const next = () => tokens[i++];

  function primary(): Matcher {
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new Error('Invalid search expression: missing )');
      return inner;
    }
    const attribute = next();
    const op = next()?.toLowerCase();
    if (!attribute || !op) throw new Error('Invalid search expression: incomplete comparison');
    if (op === 'pr') return (get) => get(attribute) !== undefined && get(attribute) !== null && get(attribute) !== '';
    const raw = next();
    if (!raw || !raw.startsWith('"')) throw new Error(`Invalid search expression: ${attribute} ${op} needs a quoted value`);
    const value = raw.slice(1, -1).replace(/\\(.)/g, '$1').toLowerCase();
    const text = (get: (a: string) => unknown) => String(get(attribute) ?? '').toLowerCase();
    if (op === 'eq') return (get) => get(attribute) !== undefined && text(get) === value;
    if (op === 'ne') return (get) => text(get) !== value;
    if (op === 'sw') return (get) => get(attribute) !== undefined && text(get).startsWith(value);
    throw new Error(`Invalid search expression: unsupported operator "${op}"`);
  }
  function and(): Matcher {
    let left = primary();
    while (peek() === 'and') {
      next();
      const l = left;
      const r = primary();
      left = (get) => l(get) && r(get);
    }
    return left;
  }
  function or(): Matcher {
    let left = and();
    while (peek() === 'or') {
      next();
      const l = left;
      const r = and();
      left = (get) => l(get) || r(get);
    }
    return left;
  }
  const matcher = or();
  if (i !== tokens.length) throw new Error(`Invalid search expression near "${tokens.slice(i).join(' ')}"`);
  return matcher;
}

/** Reads `profile.login`-style paths from an object. */
export function pathGetter(object: Record<string, unknown>): (attribute: string) => unknown {
  return (attribute) =>
    attribute
      .split('.')
      .reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), object);
}
