import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

/**
 * Datadog's logs intake (`POST /api/v2/logs`), written from its API reference: `DD-API-KEY`
 * required (403 otherwise), a JSON array of entries, `Content-Encoding: gzip` or `deflate` or none;
 * at most 1,000 entries and 5 MB uncompressed a request (413); an entry over 1 MB is accepted and
 * truncated (its `message`, to what fits), as the intake does; 202 `{}` on
 * acceptance, 400 for a body that is not a JSON array of objects. `failNext` answers the next
 * requests with a status of the caller's choosing (429 with `Retry-After`, 500, 503), as an intake
 * under trouble does. Its own server: the intake's bodies are compressed, unlike the other stand-ins'.
 */

const DD_MAX_ENTRIES = 1_000;
const DD_MAX_BYTES = 5 * 1024 * 1024;
const DD_MAX_ENTRY_BYTES = 1024 * 1024;

export class DatadogIntakeStandIn {
  /** Every entry accepted, in order. */
  readonly entries: Array<Record<string, unknown>> = [];
  /** Every request: its status and how many entries it carried. */
  readonly requests: Array<{ status: number; entries: number; encoding: string | undefined }> = [];
  /** The next requests answered with these statuses, one each. */
  failNext: number[] = [];
  /** Answers every request after this many milliseconds (a slow intake). */
  latencyMs = 0;
  #server: Server | undefined;
  baseUrl = '';

  constructor(readonly apiKey: string) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => send(res, 500, { errors: ['internal'] }));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const encoding = req.headers['content-encoding'] as string | undefined;
    const answer = (status: number, body: unknown, count = 0, headers: Record<string, string> = {}) => {
      this.requests.push({ status, entries: count, encoding });
      send(res, status, body, headers);
    };
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/api/v2/logs')
      return answer(404, { errors: ['Not found'] });
    if (req.headers['dd-api-key'] !== this.apiKey) return answer(403, { errors: ['Forbidden'] });
    const failure = this.failNext.shift();
    if (failure !== undefined)
      return answer(
        failure,
        { errors: [failure === 429 ? 'Too many requests' : 'Internal Server Error'] },
        0,
        failure === 429 ? { 'retry-after': '1' } : {},
      );
    let raw: Buffer;
    try {
      raw =
        encoding === 'gzip'
          ? gunzipSync(Buffer.concat(chunks))
          : encoding === 'deflate'
            ? inflateSync(Buffer.concat(chunks))
            : Buffer.concat(chunks);
    } catch {
      return answer(400, { errors: ['Bad request: the body does not decompress'] });
    }
    if (raw.length > DD_MAX_BYTES) return answer(413, { errors: ['Payload too large'] });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(400, { errors: ['Bad request: invalid JSON'] });
    }
    const list = Array.isArray(body) ? body : [body];
    if (list.some((e) => !e || typeof e !== 'object' || Array.isArray(e)))
      return answer(400, { errors: ['Bad request: entries must be objects'] });
    if (list.length > DD_MAX_ENTRIES)
      return answer(413, { errors: [`Payload too large: ${list.length} entries (at most ${DD_MAX_ENTRIES})`] });
    this.entries.push(...(list as Array<Record<string, unknown>>).map(truncated));
    answer(202, {}, list.length);
  }
}

/** An entry over 1 MB, its message cut to fit (Datadog keeps such a log, truncated). */
function truncated(entry: Record<string, unknown>): Record<string, unknown> {
  const size = Buffer.byteLength(JSON.stringify(entry));
  if (size <= DD_MAX_ENTRY_BYTES || typeof entry.message !== 'string') return entry;
  const keep = Math.max(0, Buffer.byteLength(entry.message) - (size - DD_MAX_ENTRY_BYTES));
  return { ...entry, message: Buffer.from(entry.message).subarray(0, keep).toString('utf8') };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
