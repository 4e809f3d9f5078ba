import { z } from 'zod';
import { InputError } from '../runtime/errors.js';

/**
 * What the `rotate-tokens` function accepts: an EventBridge schedule (every credential that is
 * due), our bus's `hf-iam-sync.MemberOffboarded` (a run that revokes suspended credentials' tokens), or a manual invoke `{"credential"?:
 * "<name>", "dryRun"?: true|false}` — naming a credential
 * rotates it now even if it is not due. A manual invoke without `dryRun` rotates: rotation is the
 * routine, unlike reconcile's apply, and a dry run is asked for explicitly.
 */

const manual = z.strictObject({
  credential: z.string().trim().min(1).optional(),
  dryRun: z.boolean().default(false),
});

export interface RotateInvocation {
  credential: string | undefined;
  dryRun: boolean;
  trigger: 'schedule' | 'invoke' | 'offboarding';
}

export function parseRotateEvent(event: unknown): RotateInvocation {
  const e = (event ?? {}) as Record<string, unknown>;
  if (e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event')
    return { credential: undefined, dryRun: false, trigger: 'schedule' };
  // Our own MemberOffboarded with suspended token-exchange credentials: a run revokes their tokens.
  if (e.source === 'hf-iam-sync' && e['detail-type'] === 'hf-iam-sync.MemberOffboarded')
    return { credential: undefined, dryRun: false, trigger: 'offboarding' };
  const parsed = manual.safeParse(e);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InputError(
      `Invalid rotate-tokens event: ${problems}. Expected {"credential"?: "<name from credentials[]>", "dryRun"?: true|false}`,
    );
  }
  return { credential: parsed.data.credential, dryRun: parsed.data.dryRun, trigger: 'invoke' };
}
