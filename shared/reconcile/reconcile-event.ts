import { z } from 'zod';
import type { ReconcileRequest } from './reconcile.js';
import { InputError } from '../runtime/errors.js';

/**
 * What the `reconcile` function accepts: an EventBridge schedule (applies, whole organization), or
 * a manual invoke `{"dryRun": true|false, "user": "<Okta login, Okta id or HF username>"}`.
 * A manual invoke without `dryRun` only plans: applying must be asked for.
 */

const manual = z.strictObject({
  dryRun: z.boolean().default(true),
  user: z.string().trim().min(1).optional(),
  actor: z.string().trim().min(1).optional(),
});

export function parseReconcileEvent(event: unknown): Omit<ReconcileRequest, 'confirm'> {
  const e = (event ?? {}) as Record<string, unknown>;
  if (e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event') {
    return { dryRun: false, scope: { kind: 'organization' }, trigger: 'schedule', actor: String((e.resources as string[] | undefined)?.[0] ?? 'schedule') };
  }
  const parsed = manual.safeParse(e);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InputError(`Invalid reconcile event: ${problems}. Expected {"dryRun": true|false, "user"?: "<Okta login or HF username>"}`);
  }
  const { dryRun, user, actor } = parsed.data;
  return { dryRun, scope: user ? { kind: 'user', user } : { kind: 'organization' }, trigger: 'invoke', actor: actor ?? 'manual-invoke' };
}
