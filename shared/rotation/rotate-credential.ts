import {
  currentVersion, decideRotation, emptyState, isOverdue, type CredentialSpec, type CredentialState, type CredentialVersion, type RotationStep,
} from '../domain/credentials.js';
import type { CredentialStore, RotationEventRecord } from '../ports/credential-store.js';
import type { EventSink } from '../ports/event-sink.js';
import type { HubTokens, ServiceAccountRef } from '../ports/hub-tokens.js';
import type { SecretStore } from '../ports/secret-store.js';
import { ConfigError, describeError, LeaseHeldError, TokenRejectedError, VerificationError } from '../runtime/errors.js';
import { createAndStore, promote, startRotation, StepFailure, verify, type StepContext } from './steps.js';

/**
 * One credential, one run: under the credential's lease, finish or start a rotation (create+store
 * → verify → promote, each recorded before the next begins), then delete old tokens whose grace
 * period is over. A failed step leaves consumers on the current version, is recorded with the
 * step it stopped at, and is alerted; the next run resumes there.
 */

export interface RotationPorts {
  hub: HubTokens;
  secrets: SecretStore;
  store: CredentialStore;
  /** Our bus for alerts (RotationFailed, CredentialRotated); undefined where there is none (the CLI without EVENT_BUS_NAME). */
  events: EventSink | undefined;
  clock: () => Date;
}

export type FailedStep = RotationEventRecord['step'] | 'store' | 'setup';

export interface CredentialResult {
  credential: string;
  kind: CredentialSpec['kind'];
  outcome: 'rotated' | 'up-to-date' | 'failed' | 'skipped';
  detail: string;
  failedStep?: FailedStep;
  /** The version consumers read after this run (id, last4, fingerprint; never the token). */
  current: Pick<CredentialVersion, 'versionId' | 'tokenId' | 'last4' | 'fingerprint' | 'promotedAt' | 'expiresAt'> | null;
  deleted: Array<{ tokenId: string; last4: string }>;
  overdue: boolean;
  ageMs: number | null;
  /** Alerts that could not be published (the run's outcome stands). */
  alertErrors: string[];
}

// Longer than rotate-tokens' 300 s timeout: a lease only expires under a run that is gone.
const LEASE_TTL_MS = 6 * 60_000;
const STEP_ORDER: RotationStep[] = ['create', 'verify', 'promote'];

export async function rotateCredential(ports: RotationPorts, spec: CredentialSpec, run: { runId: string; organization: string; force: boolean }): Promise<CredentialResult> {
  const now = () => ports.clock();
  const blank: CredentialResult = { credential: spec.name, kind: spec.kind, outcome: 'up-to-date', detail: '', current: null, deleted: [], overdue: false, ageMs: null, alertErrors: [] };
  try {
    await ports.store.acquireCredentialLease(spec.name, run.runId, LEASE_TTL_MS, now());
  } catch (error) {
    if (error instanceof LeaseHeldError) return { ...blank, outcome: 'skipped', detail: error.message };
    return { ...blank, outcome: 'failed', failedStep: 'setup', detail: describeError(error) };
  }
  try {
    return await underLease(ports, spec, run, blank);
  } finally {
    await ports.store.releaseCredentialLease(spec.name, run.runId).catch(() => undefined);
  }
}

async function underLease(ports: RotationPorts, spec: CredentialSpec, run: { runId: string; organization: string; force: boolean }, blank: CredentialResult): Promise<CredentialResult> {
  let state = (await ports.store.getCredentialState(spec.name)) ?? emptyState(spec.name);
  let versions = await ports.store.listVersions(spec.name);
  const decision = decideRotation(spec, state, versions, ports.clock(), run.force);
  const result: CredentialResult = { ...blank, detail: decision.reason };
  const c: StepContext = { hub: ports.hub, secrets: ports.secrets, store: ports.store, spec, organization: run.organization, runId: run.runId, now: ports.clock, account: undefined };
  const record = (e: Omit<RotationEventRecord, 'credential' | 'runId' | 'at'>) => ports.store.recordRotationEvent({ ...e, credential: spec.name, runId: run.runId, at: ports.clock().toISOString() });
  const alert = async (detailType: string, detail: Record<string, unknown>) => {
    if (!ports.events) return;
    await ports.events.publish([{ detailType, detail: { credential: spec.name, kind: spec.kind, organization: run.organization, runId: run.runId, ...detail } }])
      .catch((error: unknown) => result.alertErrors.push(`${detailType}: ${describeError(error)}`));
  };

  try {
    if (spec.kind === 'service-account') c.account = await resolveAccount(ports.hub, spec.serviceAccount, spec.name);
  } catch (error) {
    await alert('hf-iam-sync.RotationFailed', { step: 'setup', error: describeError(error), consumersOn: summary(currentVersion(state, versions)) });
    return finish(ports, spec, { ...result, outcome: 'failed', failedStep: 'setup', detail: describeError(error) });
  }

  if (decision.action !== 'none') {
    const rotation = state.rotation ?? startRotation(ports.clock());
    if (!state.rotation) {
      // Recorded before the Hub is called: a crash from here on resumes this rotation, never a second one.
      state = { ...state, rotation };
      await ports.store.putCredentialState(state, ports.clock());
    }
    let version = versions.find((v) => v.versionId === rotation.rotationId);
    let value: string | undefined;
    let step: RotationStep = rotation.step;
    try {
      while (true) {
        if (step === 'create') {
          ({ version, value } = await createAndStore(c, rotation, currentVersion(state, versions)));
          await ports.store.putVersion(version);
          await record({ rotationId: rotation.rotationId, step: 'create', outcome: 'done', tokenId: version.tokenId, last4: version.last4 });
          step = 'verify';
        } else if (step === 'verify') {
          value ??= (await ports.secrets.getVersion(spec.secret, rotation.rotationId).catch((e: unknown) => { throw new StepFailure('verify', e); })) ?? undefined;
          if (value === undefined || !version) {
            // The pending version vanished from the secret: start this rotation's create step again.
            step = 'create';
            continue;
          }
          await verify(c, value).catch((e: unknown) => {
            // A token the Hub refuses outright was deleted or revoked since it was made: start over.
            throw e instanceof TokenRejectedError
              ? new StepFailure('verify', new VerificationError(`${e.message}: the new token was deleted or revoked on the Hub; the next run starts a new rotation`), true)
              : new StepFailure('verify', e);
          });
          version = { ...version, verifiedAt: ports.clock().toISOString() };
          await ports.store.putVersion(version);
          await record({ rotationId: rotation.rotationId, step: 'verify', outcome: 'done', tokenId: version.tokenId, last4: version.last4 });
          step = 'promote';
        } else {
          const changed = await promote(c, state, version!, versions).catch((e: unknown) => { throw new StepFailure('promote', e); });
          for (const v of changed) await ports.store.putVersion(v);
          const promotedAt = changed[0]!.promotedAt!;
          const previous = changed[1];
          state = { ...state, currentVersionId: rotation.rotationId, rotation: null, lastRotatedAt: promotedAt };
          await ports.store.putCredentialState(state, ports.clock());
          await record({ rotationId: rotation.rotationId, step: 'promote', outcome: 'done', tokenId: version!.tokenId, last4: version!.last4 });
          result.outcome = 'rotated';
          result.detail = `${decision.reason}; now …${version!.last4}${previous ? `, previous …${previous.last4} ${previous.stage === 'deleted' ? 'died at the Hub\'s rotate (in-place)' : previous.deleteAfter ? `stays valid until ${previous.deleteAfter} (grace period), then is deleted` : 'stays valid until it expires'}` : ''}`;
          await alert('hf-iam-sync.CredentialRotated', { version: summary(changed[0]), previous: summary(previous), secret: spec.secret });
          break;
        }
        state = { ...state, rotation: { ...rotation, step } };
        await ports.store.putCredentialState(state, ports.clock());
      }
    } catch (error) {
      const failure = error instanceof StepFailure ? error : new StepFailure(step, error);
      const attempts = rotation.attempts + 1;
      const resumeAt: RotationStep = STEP_ORDER.includes(step) ? step : 'create';
      if (failure.restart) {
        const lost = version ?? versions.find((v) => v.versionId === rotation.rotationId);
        if (lost) await ports.store.putVersion({ ...lost, stage: 'discarded' }).catch(() => undefined);
        if (lost?.tokenId && c.account) await ports.hub.deleteToken(c.account.id, lost.tokenId).catch(() => undefined);
      }
      state = {
        ...state,
        rotation: failure.restart ? null : { ...rotation, step: resumeAt, attempts, lastError: { step: resumeAt, message: failure.message, at: ports.clock().toISOString() } },
      };
      await ports.store.putCredentialState(state, ports.clock()).catch(() => undefined);
      await record({ rotationId: rotation.rotationId, step: resumeAt, outcome: 'failed', error: `${failure.step}: ${failure.message}` }).catch(() => undefined);
      const consumersOn = summary(currentVersion(state, versions));
      await alert('hf-iam-sync.RotationFailed', { step: failure.step, error: failure.message, rotationId: rotation.rotationId, attempts, consumersOn });
      const next = failure.restart ? 'the next run starts a new rotation' : `the next run resumes at "${resumeAt}"`;
      Object.assign(result, { outcome: 'failed', failedStep: failure.step, detail: `step ${failure.step} failed (attempt ${attempts}; ${next}): ${failure.message}` });
    }
    versions = await ports.store.listVersions(spec.name);
  }

  // Old tokens whose grace period is over, including one just retired with a grace period of 0.
  for (const old of decideRotation(spec, state, versions, ports.clock()).deletions) {
    try {
      await ports.hub.deleteToken(c.account!.id, old.tokenId!);
      await ports.store.putVersion({ ...old, stage: 'deleted', deletedAt: ports.clock().toISOString() });
      await record({ rotationId: old.versionId, step: 'delete-old', outcome: 'done', tokenId: old.tokenId, last4: old.last4 });
      result.deleted.push({ tokenId: old.tokenId!, last4: old.last4 });
    } catch (error) {
      await record({ rotationId: old.versionId, step: 'delete-old', outcome: 'failed', tokenId: old.tokenId, last4: old.last4, error: describeError(error) }).catch(() => undefined);
      await alert('hf-iam-sync.RotationFailed', { step: 'delete-old', error: describeError(error), tokenId: old.tokenId, last4: old.last4 });
      if (result.outcome !== 'failed') Object.assign(result, { outcome: 'failed', failedStep: 'delete-old', detail: `${result.detail}; deleting old token …${old.last4} failed (retried next run): ${describeError(error)}` });
    }
  }
  return finish(ports, spec, result, state, versions);
}

async function finish(ports: RotationPorts, spec: CredentialSpec, result: CredentialResult, state?: CredentialState, versions?: CredentialVersion[]): Promise<CredentialResult> {
  const s = state ?? (await ports.store.getCredentialState(spec.name)) ?? emptyState(spec.name);
  const v = versions ?? (await ports.store.listVersions(spec.name));
  const current = currentVersion(s, v);
  const now = ports.clock();
  return {
    ...result,
    current: summary(current) ?? null,
    overdue: isOverdue(spec, s, v, now),
    ageMs: current?.promotedAt ? now.getTime() - Date.parse(current.promotedAt) : null,
  };
}

function summary(v: CredentialVersion | undefined): CredentialResult['current'] | undefined {
  if (!v) return undefined;
  return {
    versionId: v.versionId, tokenId: v.tokenId, last4: v.last4, fingerprint: v.fingerprint,
    ...(v.promotedAt ? { promotedAt: v.promotedAt } : {}), ...(v.expiresAt ? { expiresAt: v.expiresAt } : {}),
  };
}

/** The configured service account, by id, name or username; a miss lists the ones that exist. */
export async function resolveAccount(hub: HubTokens, ref: string, credential: string): Promise<ServiceAccountRef> {
  const accounts = await hub.listServiceAccounts();
  const wanted = ref.toLowerCase();
  const found = accounts.find((a) => a.id === ref || a.name.toLowerCase() === wanted || a.user.toLowerCase() === wanted);
  if (!found) {
    throw new ConfigError([`credentials "${credential}": serviceAccount "${ref}" is not a service account of the organization (have: ${accounts.map((a) => a.name).join(', ') || 'none'}); create it under Settings → Service accounts, or fix the name`]);
  }
  return found;
}
