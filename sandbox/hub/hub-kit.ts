import { randomBytes } from 'node:crypto';
import type { SandboxResponse } from '../http-kit.js';

/** What the Hub stand-in and its route modules share: ids as the Hub makes them (24 hex) and its error body. */

export function hexId(): string {
  return randomBytes(12).toString('hex');
}

/** The Hub's error answer: `{"error": "…"}` with the status. */
export function hubError(status: number, error: string): SandboxResponse {
  return { status, body: { error } };
}
