import { LinkHeaderError } from '../runtime/errors.js';

/**
 * The `rel="next"` target of an RFC 8288 `Link` header, held to two rules that keep a read honest:
 *
 * - a header that names `rel="next"` but does not parse (`<URL; rel="next"` without `>`, a target
 *   that is not a URL) is a failed read, never "the last page";
 * - a next link on another origin than the one configured is refused, so the token that would go
 *   with it (Bearer hf_…, SSWS …) is never sent anywhere else.
 *
 * @example nextLinkOf('<https://hub.example/api/x?cursor=2>; rel="next"', 'https://hub.example') === 'https://hub.example/api/x?cursor=2'
 */
export function nextLinkOf(header: string | null | undefined, origin: string): string | undefined {
  if (!header) return undefined;
  const expected = new URL(origin).origin;
  for (const part of header.split(/,(?=\s*<)/)) {
    if (!/;\s*rel="?next"?/i.test(part)) continue;
    const match = /^\s*<([^<>]+)>\s*;/.exec(part);
    if (!match) throw new LinkHeaderError(`malformed Link header (rel="next" without a <URL>): ${part.trim().slice(0, 120)}`);
    let url: URL;
    try {
      url = new URL(match[1]!, expected);
    } catch {
      throw new LinkHeaderError(`malformed Link header (next target is not a URL): ${match[1]!.slice(0, 120)}`);
    }
    if (url.origin !== expected)
      throw new LinkHeaderError(`next link points to ${url.origin}, not ${expected}: not followed, so the token is not sent there`);
    return url.toString();
  }
  return undefined;
}
