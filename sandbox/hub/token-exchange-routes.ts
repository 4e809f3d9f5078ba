import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../http-kit.js';
import type { HubStandIn } from './hub-stand-in.js';

/**
 * The Hub's OAuth token exchange for organizations (RFC 8693, Enterprise): `POST /oauth/token`,
 * form-encoded, the OAuth app's `client_id:client_secret` as HTTP Basic auth,
 * `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`, the member's email as
 * `subject_token` with `subject_token_type=urn:huggingface:token-type:user-email`, optional `scope`
 * and `audience`. The answer is a short-lived `hf_oauth_…` access token with `expires_in` and no
 * refresh token. Errors are RFC 6749 bodies: `invalid_client` (401), `invalid_grant` (member not
 * found in the bound organization), `invalid_scope`, `invalid_target` (an audience other than the
 * bound organization), `unsupported_grant_type`.
 */

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const USER_EMAIL_TOKEN_TYPE = 'urn:huggingface:token-type:user-email';

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** The organization the app is bound to (its tokens reach only this organization). */
  organization: string;
  scopes: string[];
  /** Lifetime of issued tokens; the Hub's default is 8 hours. */
  tokenLifetimeSeconds: number;
  /** Exchanges answered, for assertions (no token values). */
  issued: number;
}

const oauthError = (status: number, error: string, description: string): SandboxResponse => ({
  status,
  body: { error, error_description: description },
  headers: { 'cache-control': 'no-store' },
});

export function registerTokenExchange(hub: HubStandIn): Map<string, OAuthApp> {
  const apps = new Map<string, OAuthApp>();
  hub.route('POST', '/oauth/token', (r) => exchange(hub, apps, r));
  return apps;
}

function basicAuth(req: SandboxRequest): { id: string; secret: string } | undefined {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function exchange(hub: HubStandIn, apps: Map<string, OAuthApp>, req: SandboxRequest): SandboxResponse {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return oauthError(400, 'invalid_request', 'The request body must be application/x-www-form-urlencoded');
  }
  const form = (req.body ?? {}) as Record<string, string | undefined>;
  const client = basicAuth(req);
  const app = client ? apps.get(client.id) : undefined;
  if (!app || app.clientSecret !== client?.secret) return oauthError(401, 'invalid_client', 'Client authentication failed');
  if (form.grant_type !== TOKEN_EXCHANGE_GRANT)
    return oauthError(400, 'unsupported_grant_type', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`);
  if (form.subject_token_type !== USER_EMAIL_TOKEN_TYPE)
    return oauthError(400, 'invalid_request', `subject_token_type must be ${USER_EMAIL_TOKEN_TYPE}`);
  if (form.audience !== undefined && form.audience !== app.organization) {
    return oauthError(400, 'invalid_target', `The audience ${form.audience} does not match the organization this client is bound to`);
  }
  const requested = form.scope ? form.scope.split(' ').filter(Boolean) : app.scopes;
  const unknown = requested.filter((s) => !app.scopes.includes(s));
  if (unknown.length > 0) return oauthError(400, 'invalid_scope', `Scope not allowed for this client: ${unknown.join(' ')}`);
  const email = (form.subject_token ?? '').toLowerCase();
  const member = [...hub.members.values()].find((m) => m.email.toLowerCase() === email);
  if (!member || app.organization !== hub.org) return oauthError(400, 'invalid_grant', 'User not found in the bound organization');
  const value = `hf_oauth_${randomBytes(18).toString('base64url')}`;
  hub.addToken(value, {
    user: member.user,
    admin: false,
    kind: 'user',
    expiresAt: Date.now() + app.tokenLifetimeSeconds * 1000,
    displayName: `token exchange (${app.clientId})`,
  });
  app.issued += 1;
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    body: {
      access_token: value,
      token_type: 'bearer',
      expires_in: app.tokenLifetimeSeconds,
      scope: requested.join(' '),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    },
  };
}

/** Seeding helper: an OAuth app bound to `organization` with the token-exchange privilege. */
export function oauthApp(partial: Partial<OAuthApp> & { organization: string }): OAuthApp {
  return {
    clientId: partial.clientId ?? `${randomBytes(4).toString('hex')}-e5f6-7890-abcd-ef1234567890`,
    clientSecret: partial.clientSecret ?? `sandbox-oauth-secret-${randomBytes(6).toString('hex')}`,
    organization: partial.organization,
    scopes: partial.scopes ?? ['openid', 'profile', 'email', 'read-repos'],
    tokenLifetimeSeconds: partial.tokenLifetimeSeconds ?? 8 * 3600,
    issued: 0,
  };
}
