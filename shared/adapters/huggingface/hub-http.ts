import { AuthenticationError, UpstreamError } from '../../runtime/errors.js';
import { requestTimeout, timeLeft } from '../../runtime/deadline.js';
import { nextLinkOf } from '../next-link.js';
import { HubRateLimits, retryAfterSeconds, type HeaderReader, type HubRateLimiter } from './rate-limiter.js';

/**
 * A small HTTP client for the Hub: bearer auth, JSON, `Link` pagination, and the Hub's rate
 * limits — paced by the token's limiter (rate-limiter.ts: no request is sent when the window has
 * none left), and on a 429 anyway it waits the `t=` seconds of the `RateLimit` header (the fixed
 * window's reset), or `Retry-After` when that is all the answer carries, and tries again. 5xx answers and network errors are retried only
 * for calls marked idempotent.
 * Errors become `UpstreamError` / `AuthenticationError` carrying the Hub's `error` text, never
 * the token.
 */

export interface HubHttpOptions {
  endpoint: string;
  token: string;
  /** Shown in errors: which setting holds this token. */
  tokenName: string;
  /** What to tell the user after a 401/403 (default: the token must be an org admin's). */
  authHint?: string;
  maxRateLimitWaits?: number;
  /** Longest single wait for a rate-limit window, in ms (default 5 minutes, the Hub's window). */
  maxWaitMs?: number;
  serverErrorRetries?: number;
  retryBaseMs?: number;
  /** One request's cap, headers and body (default 30 s); never past the run's deadline either. */
  requestTimeoutMs?: number;
  /**
   * The HTTP client (default: Node's global fetch). The composition root gives the functions that
   * talk to Okta node-fetch, which the Okta SDK has already loaded: Node's fetch loads undici on
   * its first call, ~25 ms of a cold start.
   */
  fetch?: HubFetch;
  /** The pacing this client shares with the container's other clients of its token (default: its own). */
  limits?: HubRateLimits;
}

/** What the Hub client needs of a fetch; Node's global fetch and node-fetch 2 both are one. */
export type HubFetch = (
  url: string,
  init: { signal: AbortSignal; method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  status: number;
  ok: boolean;
  headers: HeaderReader;
  text(): Promise<string>;
}>;

export interface HubRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the endpoint, or an absolute URL from a `Link` header. */
  path: string;
  body?: unknown;
  /** Safe to repeat after a 5xx or a dropped connection. */
  idempotent: boolean;
  operation: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class HubHttp {
  readonly #options: Required<Omit<HubHttpOptions, 'fetch' | 'limits'>>;
  readonly #fetch: HubFetch;
  readonly limiter: HubRateLimiter;

  constructor(options: HubHttpOptions) {
    const { fetch: given, limits = new HubRateLimits(), ...rest } = options;
    this.#options = {
      maxRateLimitWaits: 3,
      maxWaitMs: 300_000,
      serverErrorRetries: 3,
      retryBaseMs: 200,
      requestTimeoutMs: 30_000,
      authHint: 'it must be a token of an admin of the organization',
      ...rest,
    };
    // Looked up at each call, not bound here: a test or simulation may stand in for the global fetch.
    this.#fetch = given ?? ((url, init) => fetch(url, init));
    this.limiter = limits.for(this.#options.endpoint, this.#options.token);
  }

  /** Sends one request and returns the parsed body and headers. */
  async send<T>(request: HubRequest): Promise<{ body: T; headers: HeaderReader }> {
    const url = this.#urlOf(request);
    const retries = this.#options.serverErrorRetries;
    const backoff = (attempt: number) => this.#options.retryBaseMs * 2 ** attempt;
    let waits = 0;
    /** Waits `ms` unless that would pass the run's deadline: then the run stops here, saying why. */
    const pause = async (ms: number, why: string) => {
      if (ms >= timeLeft())
        throw new UpstreamError(
          'huggingface',
          request.operation,
          `${why}: waiting ${Math.ceil(ms / 1000)} s would pass this run's deadline; the next run continues`,
        );
      await sleep(ms);
    };
    for (let attempt = 0; ; attempt += 1) {
      if (timeLeft() <= 0)
        throw new UpstreamError('huggingface', request.operation, 'this run reached its deadline before the request was sent');
      const answer = await this.#exchange(url, request);
      if ('failure' in answer) {
        if (request.idempotent && attempt < retries) {
          await pause(backoff(attempt), answer.failure);
          continue;
        }
        throw new UpstreamError('huggingface', request.operation, answer.failure, undefined, { cause: answer.error });
      }
      const { response, text } = answer;
      if (response.status === 429 && waits < this.#options.maxRateLimitWaits) {
        const seconds = retryAfterSeconds(response.headers, Date.now());
        waits += 1;
        await pause(Math.min(seconds * 1000, this.#options.maxWaitMs), 'rate limited (429)');
        attempt -= 1;
        continue;
      }
      if (response.status >= 500 && request.idempotent && attempt < retries) {
        await pause(backoff(attempt), `HTTP ${response.status}`);
        continue;
      }
      if (!response.ok) throw this.#error(request.operation, response.status, text);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch (error) {
        // A 200 whose body was cut short: retried like a dropped connection when that is safe.
        if (request.idempotent && attempt < retries) {
          await pause(backoff(attempt), 'a truncated JSON answer');
          continue;
        }
        throw new UpstreamError('huggingface', request.operation, `the answer is not valid JSON (${text.length} bytes)`, response.status, {
          cause: error,
        });
      }
      return { body: body as T, headers: response.headers };
    }
  }

  /** The request's URL; the token goes to the configured Hub only, whatever a Link header said. */
  #urlOf(request: HubRequest): string {
    const url = /^https?:/.test(request.path) ? request.path : `${this.#options.endpoint.replace(/\/$/, '')}${request.path}`;
    if (new URL(url).origin !== new URL(this.#options.endpoint).origin) {
      throw new UpstreamError('huggingface', request.operation, `refused to send ${this.#options.tokenName} to ${new URL(url).origin}`);
    }
    return url;
  }

  /**
   * One request and its whole body under the token's limiter and one timeout (a server that stalls
   * mid-body fails too); a network error or a timeout comes back said in words.
   */
  async #exchange(
    url: string,
    request: HubRequest,
  ): Promise<{ response: Awaited<ReturnType<HubFetch>>; text: string } | { failure: string; error: unknown }> {
    await this.limiter.take(request.operation);
    const timeoutMs = requestTimeout(this.#options.requestTimeoutMs);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await this.#fetch(url, {
        signal,
        method: request.method,
        headers: {
          authorization: `Bearer ${this.#options.token}`,
          accept: 'application/json',
          'user-agent': 'hf-iam-sync',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      const text = await response.text();
      this.limiter.done(response.headers, response.status);
      return { response, text };
    } catch (error) {
      this.limiter.done(null, null);
      // Node's fetch throws a TimeoutError, node-fetch an AbortError: the signal says which it was.
      const failure = signal.aborted
        ? `no complete answer within ${timeoutMs} ms`
        : `network error: ${(error as Error).cause ?? (error as Error).message}`;
      return { failure, error };
    }
  }

  /** GETs every page, following `Link: <…>; rel="next"`. */
  async getAllPages<T>(path: string, operation: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const { body, headers }: { body: T[]; headers: HeaderReader } = await this.send<T[]>({
        method: 'GET',
        path: next,
        idempotent: true,
        operation,
      });
      if (!Array.isArray(body)) throw new UpstreamError('huggingface', operation, 'expected a JSON array');
      items.push(...body);
      try {
        next = nextLinkOf(headers.get('link'), this.#options.endpoint);
      } catch (error) {
        throw new UpstreamError('huggingface', operation, (error as Error).message, undefined, { cause: error });
      }
    }
    return items;
  }

  #error(operation: string, status: number, text: string): UpstreamError {
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: string; detail?: string };
      detail = parsed.error ?? parsed.detail ?? detail;
    } catch {
      // not JSON: keep the start of the text
    }
    if (status === 401 || status === 403) {
      return new AuthenticationError(
        'huggingface',
        operation,
        `${detail} — check ${this.#options.tokenName}: ${this.#options.authHint}`,
        status,
      );
    }
    if (status === 429)
      return new UpstreamError(
        'huggingface',
        operation,
        `${detail} — rate limit still exhausted after ${this.#options.maxRateLimitWaits} waits`,
        status,
      );
    return new UpstreamError('huggingface', operation, detail, status);
  }
}
