import type { Leases } from '../ports/leases.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import { InputError } from '../runtime/errors.js';

/**
 * An operator breaks the lease of a run that is gone (killed before its lease ran out), so the
 * next run need not wait out the heartbeat. The run must be named — the lease is broken only if
 * that run holds it — and a reason given; both, with who and when, go to the audit trail as a
 * `break-lease` record, and the dead run's own record is closed as aborted.
 */

export interface UnlockRequest {
  organization: string;
  runId: string;
  /** A credential's rotation lease instead of the organization's reconcile lease. */
  credential?: string | undefined;
  reason: string;
  actor: string;
  unlockRunId: string;
  now: Date;
}

export async function unlock(state: Leases & AuditTrail, request: UnlockRequest): Promise<{ lease: string; expiresAt: string }> {
  if (!request.reason.trim()) throw new InputError('unlock needs --reason "…": why the lease is broken goes to the audit trail');
  const lease = request.credential
    ? `rotation lease for credential "${request.credential}"`
    : `reconcile lease for "${request.organization}"`;
  const { expiresAt } = request.credential
    ? await state.breakCredentialLease(request.credential, request.runId)
    : await state.breakLease(request.organization, request.runId);
  const at = request.now.toISOString();
  await state.putChange({
    runId: request.unlockRunId,
    seq: 1,
    organization: request.organization,
    user: request.credential ? `credential:${request.credential}` : '-',
    oktaUserId: null,
    action: 'break-lease',
    effect: 'none',
    before: null,
    after: null,
    reasons: [`broke the ${lease} held by run ${request.runId} (it would have expired at ${expiresAt}): ${request.reason.trim()}`],
    trigger: 'cli',
    actor: request.actor,
    outcome: 'applied',
    at,
  });
  if (!request.credential) {
    const dead = await state.getRun(request.runId);
    if (dead && !dead.finishedAt)
      await state.putRun({
        ...dead,
        finishedAt: at,
        outcome: 'aborted',
        error: `lease broken by ${request.actor}: ${request.reason.trim()}`,
      });
  }
  return { lease, expiresAt };
}
