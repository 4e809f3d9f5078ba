import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The little HTTP toolkit the stand-ins share: a route table, JSON in and out, a call log the tests
 * and the benchmark count, injectable faults, and optional simulated latency. Loopback only.
 */

export interface SandboxRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface SandboxResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is instead of `body` (a truncated or garbled answer). */
  raw?: string;
}

export type RouteHandler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

/** A fault answers matching requests instead of the route, `times` times (default once), after `skip` matches. */
export interface Fault {
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times?: number;
  skip?: number;
  /** Drop the connection instead of answering. */
  reset?: boolean;
  /** Accept the request and never answer (until the server stops): a hung server. */
  hang?: boolean;
  /**
   * With `reset` or `hang`: let the route do its work first, then drop the connection or never answer (the change is made, the answer
   * lost).
   */
  afterRoute?: boolean;
  /** Let the route answer, then change its answer: a silently short page, a malformed or foreign next link. */
  rewrite?: (reply: SandboxResponse) => SandboxResponse;
  /** Narrows the fault by header, e.g. `x-amz-target` to hit one AWS operation on `POST /`. */
  header?: { name: string; value: RegExp };
}

/** A published spec a stand-in is held to (see spec/openapi-validator.ts). */
export interface SpecCheck {
  checkRequest(req: Pick<SandboxRequest, 'method' | 'url' | 'body'>): string[];
  checkResponse(req: Pick<SandboxRequest, 'method' | 'url'>, reply: SandboxResponse): string[];
}

/**
 * Every spec violation any stand-in in this process saw, oldest first. The test setup
 * (test/helpers/spec-violations.ts) fails the test during which one was recorded; a test that
 * sends a malformed request on purpose takes its violations with `takeViolations()`.
 */
export const specViolations: string[] = [];

export interface CallLogEntry {
  method: string;
  path: string;
  status: number;
  /** The request body of a call that reached a route and changed something (not GET). */
  body?: unknown;
}

export class StandInServer {
  readonly calls: CallLogEntry[] = [];
  /** When each call in `calls` was answered (Date.now()), by the same index: a write is done on the stand-in from then. */
  readonly callTimes: number[] = [];
  latencyMs = 0;
  /** Extra latency for some requests only (e.g. slow writes): milliseconds for a method and path. */
  latencyFor: ((method: string, path: string) => number) | undefined;
  /** The spec requests and answers are checked against; none means unchecked. */
  spec: SpecCheck | undefined;
  #violations: string[] = [];
  #routes: Route[] = [];
  #faults: Array<Fault & { seen: number; used: number }> = [];

  #log(entry: CallLogEntry): void {
    this.calls.push(entry);
    this.callTimes.push(Date.now());
  }
  #server: Server | undefined;
  #baseUrl = '';

  get baseUrl(): string {
    return this.#baseUrl;
  }

  route(method: string, path: string, handler: RouteHandler): void {
    const keys: string[] = [];
    const source = path.replace(/\{(\w+)\}/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
  }

  inject(fault: Fault): void {
    this.#faults.push({ ...fault, seen: 0, used: 0 });
  }

  /** Removes and returns the spec violations this stand-in recorded (they then fail no test). */
  takeViolations(): string[] {
    const mine = this.#violations;
    this.#violations = [];
    for (const v of mine) {
      const at = specViolations.indexOf(v);
      if (at >= 0) specViolations.splice(at, 1);
    }
    return mine;
  }

  #violate(problems: string[]): void {
    this.#violations.push(...problems);
    specViolations.push(...problems);
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Calls whose path matches, optionally for one method. */
  count(path: RegExp, method?: string): number {
    return this.calls.filter((c) => path.test(c.path) && (!method || c.method === method)).length;
  }

  async start(port = 0): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#send(res, { status: 500, body: { error: String(error) } });
      });
    });
    this.#server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    const { port: actual } = this.#server.address() as AddressInfo;
    this.#baseUrl = `http://127.0.0.1:${actual}`;
    return this.#baseUrl;
  }

  async stop(): Promise<void> {
    if (!this.#server) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
    this.#server = undefined;
  }

  #send(res: ServerResponse, reply: SandboxResponse): void {
    const body = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
    res.end(body);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#baseUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const latency = this.latencyMs + (this.latencyFor?.(method, url.pathname) ?? 0);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const fault = this.#faults.find(
      (f) =>
        (!f.method || f.method === method) &&
        f.path.test(url.pathname) &&
        (!f.header || f.header.value.test(String(req.headers[f.header.name] ?? ''))) &&
        f.used < (f.times ?? 1) &&
        f.seen++ >= (f.skip ?? 0),
    );
    if (fault && !fault.afterRoute && !fault.rewrite) {
      fault.used += 1;
      this.#log({ method, path: url.pathname, status: fault.reset ? 0 : fault.status });
      if (fault.reset) {
        req.socket.destroy();
        return;
      }
      if (fault.hang) return;
      this.#send(res, {
        status: fault.status,
        body: fault.body ?? { error: `injected ${fault.status}` },
        ...(fault.headers ? { headers: fault.headers } : {}),
      });
      return;
    }
    let body: unknown;
    try {
      // OAuth token endpoints take form bodies (RFC 6749 §4.1.3); everything else here is JSON.
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      body = !raw ? undefined : form ? Object.fromEntries(new URLSearchParams(raw)) : JSON.parse(raw);
    } catch {
      this.#log({ method, path: url.pathname, status: 400 });
      this.#send(res, { status: 400, body: { error: 'Request body is not valid JSON' } });
      return;
    }
    // A request the published spec refuses gets the 400 the real service would give.
    const problems = this.spec?.checkRequest({ method, url, body }) ?? [];
    if (problems.length > 0) {
      this.#violate(problems);
      this.#log({ method, path: url.pathname, status: 400 });
      this.#send(res, { status: 400, body: { error: problems.join('; ') } });
      return;
    }
    for (const route of this.#routes) {
      const match = route.method === method ? route.pattern.exec(url.pathname) : null;
      if (!match) continue;
      const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(match[i + 1]!)]));
      const reply = await route.handler({ method, url, params, headers: req.headers, body });
      // An answer the spec refuses is a bug in the stand-in: recorded so the test fails.
      const wrong = this.spec?.checkResponse({ method, url }, reply) ?? [];
      if (wrong.length > 0) this.#violate(wrong.map((w) => `stand-in ${w}`));
      if (fault?.rewrite) {
        fault.used += 1;
        const changed = fault.rewrite(reply);
        this.#log({ method, path: url.pathname, status: changed.status, ...(method !== 'GET' && reply.status < 300 ? { body } : {}) });
        this.#send(res, changed);
        return;
      }
      if (fault) {
        // The route did its work; only the answer is lost (the connection dropped, or never answered).
        fault.used += 1;
        this.#log({ method, path: url.pathname, status: 0, ...(method !== 'GET' && reply.status < 300 ? { body } : {}) });
        if (!fault.hang) req.socket.destroy();
        return;
      }
      this.#log({ method, path: url.pathname, status: reply.status, ...(method !== 'GET' && reply.status < 300 ? { body } : {}) });
      this.#send(res, reply);
      return;
    }
    this.#log({ method, path: url.pathname, status: 404 });
    this.#send(res, { status: 404, body: { error: `No route for ${method} ${url.pathname}` } });
  }
}
