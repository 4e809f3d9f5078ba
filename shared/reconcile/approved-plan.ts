import { z } from 'zod';
import type { ReportStore } from '../ports/report-store.js';
import type { Config } from '../runtime/config.js';
import { InputError } from '../runtime/errors.js';
import { applySavedPlan, type SavedApplyOutcome } from './apply-saved.js';
import type { ReconcilePorts } from './reconcile.js';
import { openSavedPlan } from './saved-plan.js';

/**
 * The Lambda side of reviewed plans: `{"approvedPlan": "s3://<stack bucket>/approved-plans/<file>.json"}`
 * invokes `reconcile` with a plan file saved by `plan --out`, approved, and uploaded under
 * `approved-plans/` of the stack's bucket (the only place the function may read). It is checked and
 * applied exactly as `apply FILE` does it.
 */

const approved = z.strictObject({
  approvedPlan: z.string().trim().min(1),
  allOrNothing: z.boolean().default(false),
  actor: z.string().trim().min(1).optional(),
});

export interface ApprovedPlanRequest {
  ref: string;
  allOrNothing: boolean;
  actor: string;
}

/** The event asks for an approved plan (null: it does not — another kind of invoke). */
export function parseApprovedPlanEvent(event: unknown): ApprovedPlanRequest | null {
  if (!event || typeof event !== 'object' || !('approvedPlan' in event)) return null;
  const parsed = approved.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InputError(
      `Invalid reconcile event: ${problems}. Expected {"approvedPlan": "s3://<bucket>/approved-plans/<file>.json", "allOrNothing"?: true|false}`,
    );
  }
  return { ref: parsed.data.approvedPlan, allOrNothing: parsed.data.allOrNothing, actor: parsed.data.actor ?? 'manual-invoke' };
}

export async function applyApprovedPlan(
  ports: ReconcilePorts,
  plans: ReportStore & { bucket: string },
  config: Config,
  request: ApprovedPlanRequest,
  check: { key: string },
): Promise<SavedApplyOutcome> {
  const match = /^s3:\/\/([^/]+)\/(approved-plans\/[^?#]+\.json)$/.exec(request.ref);
  if (!match || match[1] !== plans.bucket) {
    throw new InputError(
      `approvedPlan must name a plan file under s3://${plans.bucket}/approved-plans/ (…/<file>.json), got "${request.ref}"`,
    );
  }
  const saved = openSavedPlan(await plans.get(match[2]!), request.ref, check.key, {
    organization: config.policy.organization,
    configSha256: config.sourceSha256,
  });
  return applySavedPlan(ports, config, saved, { actor: request.actor, allOrNothing: request.allOrNothing });
}
