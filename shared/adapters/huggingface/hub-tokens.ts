import type {
  ExchangedToken,
  HubTokens,
  MintedToken,
  RepoGrant,
  ServiceAccountRef,
  TokenIdentity,
  TokenMeta,
} from '../../ports/hub-tokens.js';
import { tokenAccess, type WhoamiBody } from './whoami.js';
import { AuthenticationError, NotFoundError, TokenExchangeError, TokenRejectedError, UpstreamError } from '../../runtime/errors.js';
import { HubHttp, type HubFetch } from './hub-http.js';
import type { HubRateLimits } from './rate-limiter.js';

/**
 * `HubTokens` over the Hub's service-account API (Enterprise), whoami-v2 and the OAuth token
 * exchange (`POST /oauth/token`, RFC 8693). Token values are returned to the caller and sent only
 * in Authorization headers; errors carry the Hub's error text and our setting names.
 */

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const USER_EMAIL_TOKEN_TYPE = 'urn:huggingface:token-type:user-email';

export interface HubTokensOptions {
  endpoint: string;
  /** An org admin's token (HF_TOKEN): manages service accounts. */
  adminToken: string;
  organization: string;
  tokenExchange?: { clientId: string; clientSecret: string; audience: string | undefined } | undefined;
  retryBaseMs?: number;
  /** The HTTP client of the admin calls (HubHttp's `fetch`; default Node's). */
  fetch?: HubFetch;
  /** Shared pacing per token (HubHttp's `limits`). */
  limits?: HubRateLimits;
}

export class HubTokensHttp implements HubTokens {
  readonly #api: HubHttp;
  readonly #options: HubTokensOptions;
  readonly #base: string;

  constructor(options: HubTokensOptions) {
    this.#options = options;
    this.#api = new HubHttp({
      endpoint: options.endpoint,
      token: options.adminToken,
      tokenName: 'HF_TOKEN',
      authHint: 'it must be a token of an admin of the organization, on an Enterprise plan (service accounts)',
      ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    this.#base = `/api/organizations/${encodeURIComponent(options.organization)}/service-accounts`;
  }

  async listServiceAccounts(): Promise<ServiceAccountRef[]> {
    const { body } = await this.#api.send<Array<{ _id: string; user: string; name: string }>>({
      method: 'GET',
      path: this.#base,
      idempotent: true,
      operation: 'list service accounts',
    });
    return body.map((a) => ({ id: a._id, user: a.user, name: a.name }));
  }

  async listTokens(serviceAccountId: string): Promise<TokenMeta[]> {
    const { body } = await this.#api.send<{
      accessTokens?: Array<{ _id: string; displayName: string; createdAt: string; last4?: string }>;
    }>({
      method: 'GET',
      path: `${this.#base}/${encodeURIComponent(serviceAccountId)}`,
      idempotent: true,
      operation: `read service account ${serviceAccountId}`,
    });
    return (body.accessTokens ?? []).map((t) => ({
      id: t._id,
      displayName: t.displayName,
      createdAt: t.createdAt,
      last4: t.last4 ?? null,
    }));
  }

  async createToken(
    serviceAccountId: string,
    displayName: string,
    permissions: readonly string[],
    repos?: RepoGrant,
  ): Promise<MintedToken> {
    const scoped = repos && repos.repoIds.length > 0 ? { repoIds: repos.repoIds, repoPermissions: repos.repoPermissions } : {};
    const { body } = await this.#api.send<{ token: string; tokenInfo: { _id: string } }>({
      method: 'POST',
      path: `${this.#base}/${encodeURIComponent(serviceAccountId)}/tokens`,
      body: { displayName, permissions, ...scoped },
      idempotent: false,
      operation: `create a token for service account ${serviceAccountId}`,
    });
    return { value: body.token, id: body.tokenInfo._id };
  }

  async repoId(repo: { kind: 'model' | 'dataset' | 'space'; id: string }): Promise<string> {
    const [namespace, name] = repo.id.split('/').map(encodeURIComponent);
    try {
      const { body } = await this.#api.send<{ _id: string }>({
        method: 'GET',
        path: `/api/${repo.kind}s/${namespace}/${name}`,
        idempotent: true,
        operation: `read ${repo.kind} ${repo.id}`,
      });
      return body._id;
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 404) {
        throw new NotFoundError(
          'huggingface',
          `read ${repo.kind} ${repo.id}`,
          `no ${repo.kind} ${repo.id} on the Hub (or HF_TOKEN cannot see it)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async deleteToken(serviceAccountId: string, tokenId: string): Promise<void> {
    try {
      await this.#api.send({
        method: 'DELETE',
        path: `${this.#base}/${encodeURIComponent(serviceAccountId)}/tokens/${encodeURIComponent(tokenId)}`,
        idempotent: true,
        operation: `delete token ${tokenId} of service account ${serviceAccountId}`,
      });
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 404) return;
      throw error;
    }
  }

  async rotateToken(serviceAccountId: string, tokenId: string): Promise<MintedToken> {
    const { body } = await this.#api.send<{ token: string; tokenInfo: { _id: string } }>({
      method: 'POST',
      path: `${this.#base}/${encodeURIComponent(serviceAccountId)}/tokens/${encodeURIComponent(tokenId)}/rotate`,
      idempotent: false,
      operation: `rotate token ${tokenId} of service account ${serviceAccountId}`,
    });
    return { value: body.token, id: body.tokenInfo._id };
  }

  async whoami(token: string): Promise<TokenIdentity> {
    const api = new HubHttp({
      endpoint: this.#options.endpoint,
      token,
      tokenName: 'the token being verified',
      serverErrorRetries: 2,
      ...(this.#options.retryBaseMs === undefined ? {} : { retryBaseMs: this.#options.retryBaseMs }),
      ...(this.#options.limits ? { limits: this.#options.limits } : {}),
    });
    try {
      const { body } = await api.send<WhoamiBody>({
        method: 'GET',
        path: '/api/whoami-v2',
        idempotent: true,
        operation: 'whoami with the new token',
      });
      const { plan: _plan, ...access } = tokenAccess(body, this.#options.organization);
      return { user: body.name, email: body.email ?? null, ...access };
    } catch (error) {
      if (error instanceof AuthenticationError)
        throw new TokenRejectedError('the token', error.status ?? 401, 'whoami-v2 refused it', { cause: error });
      throw error;
    }
  }

  async revokeValues(values: readonly string[]): Promise<void> {
    if (values.length === 0) return;
    // Revoking is idempotent (the Hub answers 202 whether or not a token existed): safe to retry.
    await this.#api.send({
      method: 'POST',
      path: '/api/credentials/revoke',
      body: { credentials: [...values] },
      idempotent: true,
      operation: `revoke ${values.length} token(s) by value`,
    });
  }

  async exchangeToken(request: { email: string; scope: readonly string[] | undefined }): Promise<ExchangedToken> {
    const settings = this.#options.tokenExchange;
    if (!settings)
      throw new TokenExchangeError('not_configured', 'tokenExchange.clientId', 'no OAuth app is configured for token exchange');
    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: request.email,
      subject_token_type: USER_EMAIL_TOKEN_TYPE,
    });
    if (request.scope) form.set('scope', request.scope.join(' '));
    if (settings.audience) form.set('audience', settings.audience);
    let response: Response;
    try {
      response = await fetch(`${this.#options.endpoint.replace(/\/$/, '')}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${settings.clientId}:${settings.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': 'hf-iam-sync',
        },
        body: form.toString(),
      });
    } catch (error) {
      throw new UpstreamError('huggingface', 'token exchange', `network error: ${(error as Error).message}`, undefined, { cause: error });
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // a non-JSON answer: reported by status below
    }
    if (!response.ok) throw exchangeError(response.status, body, request.email);
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new UpstreamError('huggingface', 'token exchange', 'the answer has no access_token / expires_in', response.status);
    }
    return {
      value: body.access_token,
      expiresInSeconds: body.expires_in,
      scope: typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [],
    };
  }
}

/** Maps an RFC 6749 error answer to the setting the user has to fix. */
function exchangeError(status: number, body: Record<string, unknown>, email: string): Error {
  const code = typeof body.error === 'string' ? body.error : `http_${status}`;
  const description = typeof body.error_description === 'string' ? body.error_description : `HTTP ${status}`;
  switch (code) {
    case 'invalid_client':
      return new TokenExchangeError(
        code,
        'tokenExchange.clientId and HF_OAUTH_CLIENT_SECRET',
        `${description}: the client id or secret is wrong, or the OAuth app is not bound to an organization with the token-exchange privilege`,
      );
    case 'invalid_grant':
      return new TokenExchangeError(
        code,
        "the credential's subject",
        `${description}: ${email} is not a member of the organization the OAuth app is bound to`,
      );
    case 'invalid_scope':
      return new TokenExchangeError(code, "the credential's scope", `${description}: request only scopes the OAuth app is configured with`);
    case 'invalid_target':
      return new TokenExchangeError(code, 'tokenExchange.audience', `${description}: the audience must be the organization's name`);
    default:
      return status >= 500
        ? new UpstreamError('huggingface', 'token exchange', `${code}: ${description}`, status)
        : new TokenExchangeError(code, 'tokenExchange', description);
  }
}
