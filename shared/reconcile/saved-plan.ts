import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Plan } from '../domain/plan.js';
import { ConfigError } from '../runtime/errors.js';

/**
 * A saved plan: `plan --out FILE` writes the plan with what it was computed from (each change's
 * `before`, the configuration's hash, the time), signed with HMAC-SHA256 under a key only the
 * operators hold, so a plan reviewed in a pull request is applied exactly as reviewed — and an
 * edited file is refused. `apply FILE` plans nothing new: it checks each change's member is still
 * in its `before` state and applies the changes that are.
 */

const PLAN_FILE_FORMAT = 'hf-iam-sync.saved-plan/1';

export interface SavedPlan {
  format: typeof PLAN_FILE_FORMAT;
  createdAt: string;
  createdBy: string;
  /** sha256 of the configuration file's text: a plan made under other rules is not applied. */
  configSha256: string;
  plan: Plan;
  signature: string;
}

/** The same JSON for the same value, whatever order its keys were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const sign = (body: Omit<SavedPlan, 'signature'>, key: string) => createHmac('sha256', key).update(canonical(body)).digest('hex');

/** `configSha256`: the configuration's `sourceSha256` (the hash of its file's text). */
export function savePlan(plan: Plan, meta: { createdAt: string; createdBy: string; configSha256: string }, key: string): SavedPlan {
  const body = {
    format: PLAN_FILE_FORMAT,
    createdAt: meta.createdAt,
    createdBy: meta.createdBy,
    configSha256: meta.configSha256,
    plan,
  } as const;
  return { ...body, signature: sign(body, key) };
}

/**
 * Reads a plan file and checks it: its format, its signature (an edited file is refused), the
 * organization, the configuration it was made under. Throws `ConfigError` naming what is wrong.
 */
export function openSavedPlan(
  text: string,
  where: string,
  key: string,
  expected: { organization: string; configSha256: string },
): SavedPlan {
  let saved: SavedPlan;
  try {
    saved = JSON.parse(text) as SavedPlan;
  } catch {
    throw new ConfigError([`${where} is not a plan file (not JSON); make one with \`hf-iam-sync plan --out FILE\``]);
  }
  if (saved?.format !== PLAN_FILE_FORMAT || typeof saved.signature !== 'string' || !saved.plan) {
    throw new ConfigError([
      `${where} is not a plan file of this version (format ${JSON.stringify(saved?.format)}, expected ${PLAN_FILE_FORMAT})`,
    ]);
  }
  const { signature, ...body } = saved;
  const expectedSignature = Buffer.from(sign(body, key), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expectedSignature.length || !timingSafeEqual(given, expectedSignature)) {
    throw new ConfigError([
      `${where}: the signature does not match — the file was changed after \`plan --out\` wrote it, or was signed with another HF_IAM_SYNC_PLAN_KEY; make and review a new plan`,
    ]);
  }
  if (saved.plan.organization !== expected.organization) {
    throw new ConfigError([`${where} is a plan for organization "${saved.plan.organization}", not "${expected.organization}"`]);
  }
  if (saved.configSha256 !== expected.configSha256) {
    throw new ConfigError([`${where} was made under another configuration (its rules or guards may differ); make and review a new plan`]);
  }
  return saved;
}
