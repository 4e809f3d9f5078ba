import type { ExchangeOutcome } from './exchange-token.js';
import { ACCESS_TOKEN_TYPE, type HttpRequest } from './exchange-request.js';

/** A Function URL event (payload 2.0) as the broker reads it. */
export interface FunctionUrlEvent {
  rawPath?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string; path?: string } };
}

export function httpRequestOf(event: FunctionUrlEvent): HttpRequest {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const body = event.body !== undefined && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath ?? event.requestContext.http.path ?? '/',
    headers,
    body,
  };
}

/**
 * The RFC 6749 §5.1 / §5.2 answer: the token (never cached), or the error with a description
 * that says what to fix — never a stack trace, never a secret.
 */
export function exchangeResponse(outcome: ExchangeOutcome): { statusCode: number; headers: Record<string, string>; body: string } {
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' };
  if (outcome.kind === 'issued') {
    const body = {
      access_token: outcome.token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'bearer',
      expires_in: outcome.expiresInSeconds,
    };
    return { statusCode: 200, headers, body: JSON.stringify(body) };
  }
  const error = outcome.kind === 'refused' ? outcome.error : 'temporarily_unavailable';
  return { statusCode: outcome.status, headers, body: JSON.stringify({ error, error_description: outcome.description }) };
}
