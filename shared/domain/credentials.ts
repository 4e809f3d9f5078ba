/**
 * Managed credentials and their rotation, as pure data and decisions. A credential is a token that
 * consumers read from one secret; each rotation creates a *version* (the secret's version id is the
 * rotation id), which moves through the stages of the AWS Secrets Manager rotation contract:
 *
 *   pending (created, stored as AWSPENDING) → verified → current (AWSCURRENT) → previous
 *   (AWSPREVIOUS, still valid for the grace period) → deleted (gone from the Hub)
 *
 * A version whose token was lost before it reached the secret is `discarded`. State records never
 * hold a token: only its Hub id, last four characters and SHA-256 fingerprint.
 */

type Strategy = 'overlap' | 'in-place';

interface CredentialBase {
  name: string;
  /** The Secrets Manager secret (name or ARN) that consumers read. */
  secret: string;
}

export interface ServiceAccountCredential extends CredentialBase {
  kind: 'service-account';
  /** The service account's id, name or username on the Hub. */
  serviceAccount: string;
  permissions: string[];
  strategy: Strategy;
  gracePeriodMs: number;
  rotateEveryMs: number;
}

export interface TokenExchangeCredential extends CredentialBase {
  kind: 'token-exchange';
  /** The organization member's email the token is issued for. */
  subject: string;
  scope: string[] | undefined;
  /** Refresh when less than this much of the token's life is left. */
  refreshBeforeMs: number;
}

export type CredentialSpec = ServiceAccountCredential | TokenExchangeCredential;

export type RotationStep = 'create' | 'verify' | 'promote';

type VersionStage = 'pending' | 'current' | 'previous' | 'deleted' | 'discarded';

export interface CredentialVersion {
  credential: string;
  /** The rotation id, also the secret's VersionId (PutSecretValue's ClientRequestToken). */
  versionId: string;
  /** The Hub's token id (service accounts); null for exchanged tokens, which have none. */
  tokenId: string | null;
  last4: string;
  /** `sha256:` + hex digest of the token: lets an operator match a token without seeing it. */
  fingerprint: string;
  stage: VersionStage;
  createdAt: string;
  verifiedAt?: string;
  promotedAt?: string;
  /** Previous versions: when the old token may be deleted (promotion + grace period). */
  deleteAfter?: string;
  deletedAt?: string;
  /** Exchanged tokens: when the Hub stops accepting it. */
  expiresAt?: string;
  /** The token's display name on the Hub (service accounts), so a resumed step can find it. */
  label?: string;
}

/** A rotation under way: where it stopped, and what the last attempt said. */
export interface RotationInProgress {
  rotationId: string;
  step: RotationStep;
  startedAt: string;
  attempts: number;
  lastError?: { step: RotationStep; message: string; at: string };
}

export interface CredentialState {
  credential: string;
  currentVersionId: string | null;
  rotation: RotationInProgress | null;
  lastRotatedAt: string | null;
}

export const emptyState = (credential: string): CredentialState => ({
  credential,
  currentVersionId: null,
  rotation: null,
  lastRotatedAt: null,
});

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration such as `7d`, `36h`, `90m`, `0s` or `1w`, in milliseconds; undefined when malformed.
 * @example parseDuration('7d') === 604800000
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  return match ? Number(match[1]) * UNITS[match[2]!]! : undefined;
}

/** `3d 4h`, `45m`, `12s`: for messages and the dry run. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 86_400_000) return `${Math.floor(abs / 86_400_000)}d ${Math.floor((abs % 86_400_000) / 3_600_000)}h`;
  if (abs >= 3_600_000) return `${Math.floor(abs / 3_600_000)}h ${Math.floor((abs % 3_600_000) / 60_000)}m`;
  if (abs >= 60_000) return `${Math.floor(abs / 60_000)}m`;
  return `${Math.floor(abs / 1000)}s`;
}

/** What a run should do with one credential. */
export interface RotationDecision {
  credential: string;
  /** `resume`: finish a rotation that stopped; `start`: a new one; `none`: up to date. */
  action: 'start' | 'resume' | 'none';
  /** Why, in words an operator reads in the dry run. */
  reason: string;
  resumeAt?: RotationStep;
  /** Previous versions whose grace period is over: their tokens are deleted this run. */
  deletions: CredentialVersion[];
  /** Milliseconds since the current version was promoted; null when there is none. */
  ageMs: number | null;
}

export function currentVersion(state: CredentialState, versions: readonly CredentialVersion[]): CredentialVersion | undefined {
  return versions.find((v) => v.versionId === state.currentVersionId && v.stage === 'current');
}

/**
 * Decides what one run does with a credential. An unfinished rotation always resumes first (it
 * never starts a second one); otherwise a rotation starts when forced, when there is no current
 * version, or when the current one is due (service accounts: older than `rotateEvery`; exchanged
 * tokens: closer to expiry than `refreshBefore`).
 */
export function decideRotation(
  spec: CredentialSpec,
  state: CredentialState,
  versions: readonly CredentialVersion[],
  now: Date,
  force = false,
): RotationDecision {
  const current = currentVersion(state, versions);
  const ageMs = current?.promotedAt ? now.getTime() - Date.parse(current.promotedAt) : null;
  const deletions = versions.filter(
    (v) => v.stage === 'previous' && v.tokenId !== null && v.deleteAfter !== undefined && Date.parse(v.deleteAfter) <= now.getTime(),
  );
  const base = { credential: spec.name, deletions, ageMs };
  if (state.rotation) {
    const last = state.rotation.lastError;
    return {
      ...base,
      action: 'resume',
      resumeAt: state.rotation.step,
      reason: `rotation ${state.rotation.rotationId} stopped before "${state.rotation.step}"${last ? ` (last attempt: ${last.message})` : ''}`,
    };
  }
  if (force) return { ...base, action: 'start', reason: 'rotation requested for this credential' };
  if (!current) return { ...base, action: 'start', reason: 'no current version yet: first rotation' };
  if (spec.kind === 'service-account') {
    const left = spec.rotateEveryMs - (ageMs ?? 0);
    return left <= 0
      ? {
          ...base,
          action: 'start',
          reason: `current token is ${formatDuration(ageMs ?? 0)} old (rotate every ${formatDuration(spec.rotateEveryMs)})`,
        }
      : {
          ...base,
          action: 'none',
          reason: `current token …${current.last4} is ${formatDuration(ageMs ?? 0)} old; next rotation in ${formatDuration(left)}`,
        };
  }
  const expiresIn = current.expiresAt ? Date.parse(current.expiresAt) - now.getTime() : 0;
  return expiresIn <= spec.refreshBeforeMs
    ? {
        ...base,
        action: 'start',
        reason:
          expiresIn <= 0
            ? 'current token has expired'
            : `current token expires in ${formatDuration(expiresIn)} (refresh ${formatDuration(spec.refreshBeforeMs)} before)`,
      }
    : {
        ...base,
        action: 'none',
        reason: `current token …${current.last4} expires in ${formatDuration(expiresIn)}; refresh in ${formatDuration(expiresIn - spec.refreshBeforeMs)}`,
      };
}

/**
 * Overdue: not rotated within its period (service accounts), or the current token expired or about
 * to (exchanged tokens) — checked after a run, so a rotation that failed this run counts.
 */
export function isOverdue(spec: CredentialSpec, state: CredentialState, versions: readonly CredentialVersion[], now: Date): boolean {
  const current = currentVersion(state, versions);
  if (!current) return true;
  if (spec.kind === 'token-exchange') return !current.expiresAt || Date.parse(current.expiresAt) - now.getTime() <= spec.refreshBeforeMs;
  return !current.promotedAt || now.getTime() - Date.parse(current.promotedAt) > spec.rotateEveryMs;
}

/** The display name of a token this system creates: names the credential and the rotation, never a secret. */
export function tokenLabel(credential: string, rotationId: string): string {
  return `hf-iam-sync/${credential}/${rotationId}`;
}

/** The credential a token label belongs to, or undefined for a token we did not create. */
export function parseTokenLabel(label: string): { credential: string; rotationId: string } | undefined {
  const match = /^hf-iam-sync\/([a-z0-9][a-z0-9-]*)\/([0-9a-f-]{36})$/.exec(label);
  return match ? { credential: match[1]!, rotationId: match[2]! } : undefined;
}
