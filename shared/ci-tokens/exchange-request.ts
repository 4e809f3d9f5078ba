/**
 * The broker's HTTP contract, RFC 8693 token exchange: a POST to the Function URL (at `/` or
 * `/oauth/token`, so `huggingface_hub`'s `exchange_oidc_token(endpoint=<broker URL>)` works as it
 * is) with the RFC's form body or the Hub's JSON body. Everything here is checked before any
 * client, secret or key is touched.
 */

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const SUBJECT_TOKEN_TYPES = ['urn:ietf:params:oauth:token-type:id_token', 'urn:ietf:params:oauth:token-type:jwt'];
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** ID tokens are a few KB; anything much larger is not one. */
const MAX_BODY_BYTES = 16 * 1024;

export type OAuthError = 'invalid_request' | 'unsupported_grant_type' | 'invalid_grant' | 'unauthorized_client' | 'invalid_target';

export interface HttpRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: string | undefined;
}

interface ExchangeRequest {
  subjectToken: string;
  /** The policy's name, when the job names one (`resource`, or `scope`). */
  resource: string | undefined;
}

export type Parsed =
  { kind: 'exchange'; request: ExchangeRequest } | { kind: 'refused'; status: number; error: OAuthError; description: string };

const refuse = (description: string, error: OAuthError = 'invalid_request', status = 400): Parsed => ({
  kind: 'refused',
  status,
  error,
  description,
});

/** @example parseExchange({ method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/json' }, body }) */
export function parseExchange(http: HttpRequest): Parsed {
  if (http.method !== 'POST') return refuse(`${http.method} is not allowed: POST the token exchange to this URL`, 'invalid_request', 405);
  if (!['/', '', '/oauth/token', '/token'].includes(http.path))
    return refuse(`no endpoint at ${http.path}: POST to / or /oauth/token`, 'invalid_request', 404);
  const body = http.body ?? '';
  if (Buffer.byteLength(body) > MAX_BODY_BYTES)
    return refuse(`the body is ${Buffer.byteLength(body)} bytes, over the ${MAX_BODY_BYTES} an exchange needs`, 'invalid_request', 413);
  const fields = fieldsOf(http.headers['content-type'] ?? '', body);
  if (typeof fields === 'string') return refuse(fields);
  return check(fields);
}

/** The body's fields: form (RFC 6749 §4.1.3) or JSON (the Hub's Trusted Publishers shape). */
function fieldsOf(contentType: string, body: string): Record<string, unknown> | string {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body));
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : 'the JSON body must be an object';
    } catch {
      return 'the body is not valid JSON';
    }
  }
  return `Content-Type ${JSON.stringify(contentType || null)} is not accepted: send application/x-www-form-urlencoded (RFC 8693) or application/json`;
}

function check(fields: Record<string, unknown>): Parsed {
  const text = (name: string) =>
    typeof fields[name] === 'string' && (fields[name] as string).length > 0 ? (fields[name] as string) : undefined;
  if (text('grant_type') !== TOKEN_EXCHANGE_GRANT) {
    return refuse(
      `grant_type must be ${TOKEN_EXCHANGE_GRANT}${text('grant_type') ? `, not ${text('grant_type')}` : ''}`,
      'unsupported_grant_type',
    );
  }
  if (!text('subject_token')) return refuse("subject_token is missing: it is the CI job's OIDC ID token");
  const type = text('subject_token_type');
  if (!type || !SUBJECT_TOKEN_TYPES.includes(type)) return refuse(`subject_token_type must be one of ${SUBJECT_TOKEN_TYPES.join(', ')}`);
  return { kind: 'exchange', request: { subjectToken: text('subject_token')!, resource: text('resource') ?? text('scope') } };
}
