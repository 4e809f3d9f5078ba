import type { Access } from './plan.js';
import type { CiExchangeFacts } from './ci-access.js';
import type { HubAuditEvent } from './out-of-band.js';

/**
 * One record shape for the Hub's audit log and hf-iam-sync's own audit trail — what a SIEM, Logs
 * Insights or Datadog reads (`hf-iam-sync audit --format ndjson`). Versioned by `schema`; a field is
 * only ever added. `id` is stable: a reader keyed by it sees each record once, however often it
 * was delivered.
 */

export const AUDIT_RECORD_SCHEMA = 'hf-iam-sync.audit-record/1';

export interface AuditRecord {
  schema: typeof AUDIT_RECORD_SCHEMA;
  /** `hub:<event id>` or `hf-iam-sync:<run id>/<change seq>`. */
  id: string;
  time: string;
  source: 'hub' | 'hf-iam-sync';
  organization: string;
  /** The Hub's event type (`org.change_role`), or our change's action (`remove`, `ci-token-issue`). */
  action: string;
  /** Who did it: a Hub username, or our trigger and actor (`event:eventbridge:okta-admin`). */
  actor: string;
  targetUser: string | null;
  before: Access | Pick<Access, 'role'> | null;
  after: Access | Pick<Access, 'role'> | null;
  /** Ours: applied, failed, held, superseded, started. The Hub's: null (its log has only what happened). */
  outcome: string | null;
  ids: { hubEventId?: string; runId?: string; changeSeq?: number; oktaUserId?: string; oktaEventUuid?: string };
  reason: string | null;
  /** A Hub event: made by hf-iam-sync (with the change that caused it), or out of band. */
  correlation?: Correlation;
  /** Ours, for a change an Okta event caused (an offboarding): when Okta published it, and how long after it the change was recorded. */
  oktaEvent?: { uuid: string; published: string; delayMs: number };
  /** A CI token exchange's (ours): the policy, the issuer, the claims that matched or were refused, the token's id and last four. */
  ci?: CiExchangeFacts;
  /** A rotation step's (ours): the credential, the step, the token it touched (id, last four). */
  credential?: { name: string; step: string; rotationId: string; tokenId?: string | null; last4?: string };
  /** A Hub event's own fields, whole. */
  hub?: Record<string, unknown>;
}

export type Correlation =
  | {
      madeBy: 'hf-iam-sync';
      runId: string;
      changeSeq: number;
      trigger: string;
      cause: string;
      oktaUserId: string | null;
      oktaEventUuid?: string;
    }
  /** Made with hf-iam-sync's token, yet no change of ours explains it: someone used the token by hand. */
  | { madeBy: 'hf-iam-sync-token'; note: string }
  | { madeBy: 'out-of-band'; author: string };

/** What a record needs of one of our audit records (the state store's `ChangeRecord` is one). */
export interface AuditedChange {
  runId: string;
  seq: number;
  organization: string;
  user: string;
  oktaUserId: string | null;
  action: string;
  before: Access | null;
  after: Access | null;
  outcome: string;
  trigger: string;
  actor: string;
  reasons: string[];
  error?: string;
  oktaEvent?: { uuid: string; published: string };
  ci?: CiExchangeFacts;
  at: string;
}

/** What a record needs of a rotation step (the credential store's `RotationEventRecord` is one). */
export interface AuditedRotationStep {
  credential: string;
  rotationId: string;
  step: string;
  outcome: 'done' | 'failed';
  runId: string;
  at: string;
  tokenId?: string | null;
  last4?: string;
  error?: string;
}

/** @example recordOfChange(change).id === `hf-iam-sync:${change.runId}/${change.seq}` */
export function recordOfChange(change: AuditedChange): AuditRecord {
  return {
    schema: AUDIT_RECORD_SCHEMA,
    id: `hf-iam-sync:${change.runId}/${change.seq}`,
    time: change.at,
    source: 'hf-iam-sync',
    organization: change.organization,
    action: change.action,
    actor: `${change.trigger}:${change.actor}`,
    targetUser: change.user === '-' ? null : change.user,
    before: change.before,
    after: change.after,
    outcome: change.outcome,
    ids: {
      runId: change.runId,
      changeSeq: change.seq,
      ...(change.oktaUserId ? { oktaUserId: change.oktaUserId } : {}),
      ...(change.oktaEvent ? { oktaEventUuid: change.oktaEvent.uuid } : {}),
    },
    reason: [...change.reasons, ...(change.error ? [change.error] : [])].join('; ') || null,
    ...(change.oktaEvent
      ? { oktaEvent: { ...change.oktaEvent, delayMs: Date.parse(change.at) - Date.parse(change.oktaEvent.published) } }
      : {}),
    ...(change.ci ? { ci: change.ci } : {}),
  };
}

/** @example recordOfRotationStep('acme', step).action === `rotation-${step.step}` */
export function recordOfRotationStep(organization: string, step: AuditedRotationStep): AuditRecord {
  return {
    schema: AUDIT_RECORD_SCHEMA,
    id: `hf-iam-sync:rotation/${step.credential}/${step.rotationId}/${step.step}`,
    time: step.at,
    source: 'hf-iam-sync',
    organization,
    action: `rotation-${step.step}`,
    actor: `rotation:${step.runId}`,
    targetUser: null,
    before: null,
    after: null,
    outcome: step.outcome === 'done' ? 'applied' : 'failed',
    ids: { runId: step.runId },
    reason: step.error ?? null,
    credential: {
      name: step.credential,
      step: step.step,
      rotationId: step.rotationId,
      ...(step.tokenId !== undefined ? { tokenId: step.tokenId } : {}),
      ...(step.last4 ? { last4: step.last4 } : {}),
    },
  };
}

/** The target member and roles a Hub event names (`data.user`, `data.oldRole` → `data.role`), where it names them. */
function hubChange(event: HubAuditEvent): Pick<AuditRecord, 'targetUser' | 'before' | 'after'> {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : null);
  const before = text('oldRole');
  const after = text('role');
  return {
    targetUser: text('user') ?? text('username'),
    before: before ? { role: before as Access['role'] } : null,
    after: after ? { role: after as Access['role'] } : null,
  };
}

export function recordOfHubEvent(organization: string, event: HubAuditEvent, correlation: Correlation): AuditRecord {
  return {
    schema: AUDIT_RECORD_SCHEMA,
    id: `hub:${event.id}`,
    time: event.at,
    source: 'hub',
    organization,
    action: event.type,
    actor: event.author,
    ...hubChange(event),
    outcome: null,
    ids: {
      hubEventId: event.id,
      ...(correlation.madeBy === 'hf-iam-sync'
        ? {
            runId: correlation.runId,
            changeSeq: correlation.changeSeq,
            ...(correlation.oktaEventUuid ? { oktaEventUuid: correlation.oktaEventUuid } : {}),
          }
        : {}),
    },
    reason: event.message,
    correlation,
    hub: event.raw ?? { ...event },
  };
}

/** How far apart a Hub event and the change that caused it may be: the change is recorded `started` before its call, `applied` after. */
export const CORRELATION_WINDOW_MS = 120_000;

/**
 * Whose change a Hub event is. Only the user behind hf-iam-sync's token can have made ours; then it
 * is the change of ours on the same member, to the same role where both say one, nearest in time
 * within two minutes. An event that names its token is ours only with our token (its last four
 * characters), and one made with our token that no change explains is flagged: someone used the
 * token by hand. An event that names no token and no change explains is that person's own, by hand.
 * @example correlate(event, { user: 'hf-iam-sync-bot', tokenLast4: 'x9Qz' }, changes).madeBy
 */
export function correlate(
  event: HubAuditEvent,
  ours: { user: string; tokenLast4: string | null },
  changes: readonly AuditedChange[],
): Correlation {
  const sameUser = event.author.toLowerCase() === ours.user.toLowerCase();
  const token = event.tokenLast4 == null || ours.tokenLast4 === null ? 'unnamed' : event.tokenLast4 === ours.tokenLast4 ? 'ours' : 'other';
  if (!sameUser || token === 'other') return { madeBy: 'out-of-band', author: event.author };
  const { targetUser, after } = hubChange(event);
  const at = Date.parse(event.at);
  const candidates = changes.filter(
    (c) =>
      targetUser !== null &&
      c.user.toLowerCase() === targetUser.toLowerCase() &&
      (c.outcome === 'applied' || c.outcome === 'started') &&
      Math.abs(Date.parse(c.at) - at) <= CORRELATION_WINDOW_MS &&
      (!after || !c.after || c.after.role === after.role || (c.action === 'remove' && after.role === 'no_access')),
  );
  const nearest = candidates.sort((a, b) => Math.abs(Date.parse(a.at) - at) - Math.abs(Date.parse(b.at) - at))[0];
  if (!nearest && token === 'unnamed') return { madeBy: 'out-of-band', author: event.author };
  if (!nearest)
    return {
      madeBy: 'hf-iam-sync-token',
      note: `made with hf-iam-sync's token (${ours.user}), but no change of ours on ${targetUser ?? 'this member'} within two minutes explains it`,
    };
  return {
    madeBy: 'hf-iam-sync',
    runId: nearest.runId,
    changeSeq: nearest.seq,
    trigger: nearest.trigger,
    cause: `${nearest.trigger}:${nearest.actor}: ${nearest.reasons[0] ?? nearest.action}`,
    oktaUserId: nearest.oktaUserId,
    ...(nearest.oktaEvent ? { oktaEventUuid: nearest.oktaEvent.uuid } : {}),
  };
}
