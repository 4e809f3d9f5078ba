import type { Client } from '@okta/okta-sdk-nodejs';
import type { OktaAuth } from '../../runtime/config.js';
import { requestTimeout, timeLeft } from '../../runtime/deadline.js';
import { nextLinkOf } from '../next-link.js';
import { LinkHeaderError } from '../../runtime/errors.js';
import { OktaPacer, oktaBucketOf } from './okta-pacing.js';

/**
 * Builds the official Okta SDK client. The SDK itself retries only 429s that carry
 * `X-Rate-Limit-Reset` (waiting until the reset); a request executor of ours adds bounded retries
 * for 5xx answers and network errors, which the SDK passes straight through.
 *
 * Every request is paced to Okta's rate-limit buckets (okta-pacing.ts: at most half a bucket).
 *
 * The SDK is ~3 MB: it is imported lazily so a handler that never talks to Okta does not pay for it.
 */

export interface OktaClientOptions {
  orgUrl: string;
  auth: OktaAuth;
  /** Retries after a 5xx or a network error (default 3), with exponential backoff from `retryBaseMs`. */
  serverErrorRetries?: number;
  retryBaseMs?: number;
  /** The SDK's own 429 retries (default 2). */
  rateLimitRetries?: number;
  /** Pacing to Okta's buckets (default: one of its own). */
  pacer?: OktaPacer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** One Okta request attempt, answer and body; never past the run's deadline either. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * node-fetch's timeout covers the answer and its body; set per attempt so each gets its own, never
 * past the run's deadline (the SDK would otherwise leave it at requestTimeout: 0, none). The SDK's
 * own 429 wait (until X-Rate-Limit-Reset, up to a minute for Okta's per-minute buckets) may take
 * what is left of the run, no more: it refuses a wait past the executor's requestTimeout.
 */
function timeAttempt(executor: { requestTimeout: number }, request: { startTime?: Date; timeout?: number }): void {
  request.startTime = new Date();
  request.timeout = requestTimeout(REQUEST_TIMEOUT_MS);
  const left = timeLeft();
  executor.requestTimeout = Number.isFinite(left) ? Math.max(1, Math.floor(left)) : 0;
}

/** Only transport failures are retried; anything else is a bug or a refusal. */
function isTransportFailure(error: unknown): boolean {
  const code = (error as { code?: string; type?: string }).code ?? (error as { type?: string }).type;
  return code === 'system' || code === 'request-timeout' || code === 'body-timeout' || /^E[A-Z]+$/.test(code ?? '');
}

/** @example const client = await createOktaClient({ orgUrl, auth: { mode: 'SSWS', token } }) */
export async function createOktaClient(options: OktaClientOptions): Promise<Client> {
  const okta = (await import('@okta/okta-sdk-nodejs')).default;
  const retries = options.serverErrorRetries ?? 3;
  const baseMs = options.retryBaseMs ?? 200;

  const origin = new URL(options.orgUrl).origin;
  const pacer = options.pacer ?? new OktaPacer();
  class RetryingRequestExecutor extends okta.DefaultRequestExecutor {
    override async fetch(request: Parameters<InstanceType<typeof okta.DefaultRequestExecutor>['fetch']>[0]) {
      // The SDK follows any `Link` it is given; the token goes to the configured Okta only.
      const target = new URL(String((request as { url?: string }).url ?? ''), origin).origin;
      if (target !== origin) throw new LinkHeaderError(`refused to send the Okta credentials to ${target} (okta.orgUrl is ${origin})`);
      for (let attempt = 0; ; attempt += 1) {
        if (timeLeft() <= 0) throw new Error('this run reached its deadline before the request was sent');
        timeAttempt(this as unknown as { requestTimeout: number }, request as { startTime?: Date; timeout?: number });
        const bucket = oktaBucketOf(String((request as { url?: string }).url ?? ''));
        // The SDK's own retry after a 429 comes back through here while the first call still holds
        // the bucket's slot: it must not wait for itself.
        const sdkRetry = Boolean(((request as { headers?: Record<string, unknown> }).headers ?? {})[this.retryCountHeader]);
        if (!sdkRetry) await pacer.take(bucket);
        let answered = false;
        try {
          const response = await super.fetch(request);
          answered = true;
          if (!sdkRetry) pacer.done(bucket, response.headers);
          // A next link that does not parse (or points elsewhere) would end the SDK's paging quietly: a failed read instead.
          if (response.status < 300) nextLinkOf(response.headers.get('link'), origin);
          if (response.status < 500 || attempt >= retries) return response;
        } catch (error) {
          if (!answered && !sdkRetry) pacer.done(bucket, null);
          if (error instanceof LinkHeaderError) throw error;
          if (/requestTimeout/.test((error as Error).message ?? '')) {
            throw new Error("rate limited (429), and the bucket resets after this run's deadline; the next run continues", {
              cause: error,
            });
          }
          if (attempt >= retries || !isTransportFailure(error)) throw error;
        }
        const backoff = baseMs * 2 ** attempt;
        if (backoff >= timeLeft()) throw new Error(`Okta kept failing, and waiting ${backoff} ms to retry would pass this run's deadline`);
        await sleep(backoff);
      }
    }
  }

  const common = {
    orgUrl: options.orgUrl,
    // The default cache answers repeated GETs from memory and would serve a stale user status.
    cacheMiddleware: null,
    // requestTimeout is set per request to the run's time left (see fetch above).
    requestExecutor: new RetryingRequestExecutor({ maxRetries: options.rateLimitRetries ?? 2, requestTimeout: 0 }),
  };
  if (options.auth.mode === 'SSWS') {
    return new okta.Client({ ...common, token: options.auth.token });
  }
  return new okta.Client({
    ...common,
    authorizationMode: 'PrivateKey',
    clientId: options.auth.clientId,
    scopes: ['okta.users.read', 'okta.groups.read', 'okta.logs.read'],
    privateKey: options.auth.privateKey,
    ...(options.auth.keyId ? { keyId: options.auth.keyId } : {}),
  });
}
