import type { SandboxResponse } from '../../sandbox/http-kit.js';

/**
 * Rewrites of a stand-in answer's `Link` header, for faults (`rewrite`): the route answers, then
 * its next link is made malformed, or made to point at another origin.
 */
const relink =
  (change: (link: string) => string) =>
  (reply: SandboxResponse): SandboxResponse => ({ ...reply, headers: { ...reply.headers, link: change(reply.headers?.link ?? '') } });

/** `<URL>; rel="next"` becomes `<URL; rel="next"`: the `>` is gone. */
export const malformedNextLink = relink((link) => link.replace(/>;\s*rel="next"/, '; rel="next"'));

/** The next link's origin becomes `origin`, its path and query kept. */
export const foreignNextLink = (origin: string) =>
  relink((link) => link.replace(/<http:\/\/127\.0\.0\.1:\d+([^>]*)>;\s*rel="next"/, `<${origin}$1>; rel="next"`));
