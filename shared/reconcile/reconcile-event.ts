import { z } from 'zod';
import type { ReconcileRequest } from './reconcile.js';
import { InputError } from '../runtime/errors.js';

/**
 * What the `reconcile` function accepts: a manual invoke `{"dryRun": true|false, "user": "<Okta
 * login, Okta id or HF username>"}`. Without `dryRun` it only plans: applying must be asked for.
 * (The weekly schedule starts the ReconcileJob state machine, not this function.)
 */

const manual = z.strictObject({
  dryRun: z.boolean().default(true),
  user: z.string().trim().min(1).optional(),
  actor: z.string().trim().min(1).optional(),
});

export function parseReconcileEvent(event: unknown): Omit<ReconcileRequest, 'approval'> {
  const e = (event ?? {}) as Record<string, unknown>;
  const parsed = manual.safeParse(e);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InputError(`Invalid reconcile event: ${problems}. Expected {"dryRun": true|false, "user"?: "<Okta login or HF username>"}`);
  }
  const { dryRun, user, actor } = parsed.data;
  return { dryRun, scope: user ? { kind: 'user', user } : { kind: 'organization' }, trigger: 'invoke', actor: actor ?? 'manual-invoke' };
}

/**
 * What the reconcile state machine sends the `reconcile-job` function (see state-machines/):
 * `{"step": "plan", "input": <the execution's input>, "execution": <its name>}`, then
 * `{"step": "apply", "job": <ticket>}` per batch, then `{"step": "finish", "job": <ticket>}`.
 * The execution's input: `{}` or `{"trigger": "schedule"}` (the weekly rule), `{"actor": "alice"}`
 * (a manual start), `{"resume": "<run id>"}` (continue a stopped run).
 */
const counts = z.strictObject({
  applied: z.number().int().min(0),
  failed: z.number().int().min(0),
  held: z.number().int().min(0),
  superseded: z.number().int().min(0),
});
const ticket = z.object({
  runId: z.string().min(1),
  owner: z.string().min(1),
  organization: z.string().min(1),
  done: z.boolean(),
  waitSeconds: z.number().min(0),
  waitMs: z.number().min(0).optional(),
  cursor: z.number().int().min(0),
  total: z.number().int().min(0),
  counts,
  stoppedBy: z.enum(['done', 'rate-limit', 'deadline']).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});
const executionInput = z.strictObject({
  trigger: z.enum(['schedule', 'invoke']).optional(),
  actor: z.string().trim().min(1).optional(),
  resume: z.string().trim().min(1).optional(),
});
const jobStep = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('plan'), input: executionInput.nullish(), execution: z.string().optional() }),
  z.strictObject({ step: z.literal('apply'), job: ticket }),
  z.strictObject({ step: z.literal('finish'), job: ticket }),
]);

export type JobStep = z.infer<typeof jobStep>;

export function parseJobStep(event: unknown): JobStep {
  const parsed = jobStep.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
  throw new InputError(
    `Invalid reconcile-job step: ${problems}. The state machine sends {"step": "plan", "input": {"actor"?, "resume"?}}, then {"step": "apply" | "finish", "job": <the previous step's answer>}; start an execution with {} or {"resume": "<run id>"}.`,
  );
}
