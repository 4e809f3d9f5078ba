import {
  currentVersion,
  decideRotation,
  emptyState,
  isOverdue,
  type CredentialSpec,
  type CredentialState,
  type CredentialVersion,
  type RotationInProgress,
  type RotationStep,
} from '../domain/credentials.js';
import type { CredentialStore, RotationEventRecord } from '../ports/credential-store.js';
import type { EventSink } from '../ports/event-sink.js';
import type { HubTokens, ServiceAccountRef } from '../ports/hub-tokens.js';
import type { SecretStore } from '../ports/secret-store.js';
import { ConfigError, describeError, LeaseHeldError, TokenRejectedError, VerificationError } from '../runtime/errors.js';
import { HeldLease } from '../runtime/held-lease.js';
import { LeaseLostError, StepFailure } from '../runtime/errors.js';
import { createAndStore, promote, startRotation, verify, type StepContext } from './steps.js';

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

type FailedStep = RotationEventRecord['step'] | 'store' | 'setup';

export interface CredentialResult {
  credential: string;
  kind: CredentialSpec['kind'];
  outcome: 'rotated' | 'up-to-date' | 'failed' | 'skipped' | 'suspended';
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

const STEP_ORDER: RotationStep[] = ['create', 'verify', 'promote'];

/** Where a rotation is within one run: its step, its version (once made) and the token's value (once read). */
interface StepAt {
  step: RotationStep;
  version: CredentialVersion | undefined;
  value?: string | undefined;
}

/** What one run shares between its credentials: its id, and the organization's service accounts, listed once. */
export interface RunContext {
  runId: string;
  organization: string;
  force: boolean;
  accounts: () => Promise<ServiceAccountRef[]>;
  /** Epoch ms (real time) by which the run must be done: the Lambda invocation's end, or the CLI's. */
  deadline: number;
}

/** A run's service-account list: fetched on first use, then shared (a failed fetch is retried by the next caller). */
export function accountsOnce(hub: HubTokens): () => Promise<ServiceAccountRef[]> {
  let list: Promise<ServiceAccountRef[]> | undefined;
  return () => {
    list ??= hub.listServiceAccounts().catch((error: unknown) => {
      list = undefined;
      throw error;
    });
    return list;
  };
}

export async function rotateCredential(ports: RotationPorts, spec: CredentialSpec, run: RunContext): Promise<CredentialResult> {
  const now = () => ports.clock();
  const blank: CredentialResult = {
    credential: spec.name,
    kind: spec.kind,
    outcome: 'up-to-date',
    detail: '',
    current: null,
    deleted: [],
    overdue: false,
    ageMs: null,
    alertErrors: [],
  };
  let lease: HeldLease;
  try {
    lease = await HeldLease.take(
      `rotation lease for credential "${spec.name}"`,
      {
        acquire: (ttl) => ports.store.acquireCredentialLease(spec.name, run.runId, ttl, now()),
        renew: (ttl) => ports.store.renewCredentialLease(spec.name, run.runId, ttl, now()),
        release: () => ports.store.releaseCredentialLease(spec.name, run.runId),
      },
      { deadline: run.deadline },
    );
  } catch (error) {
    // Skipped is no excuse: the credential's own state still says whether it is overdue.
    if (error instanceof LeaseHeldError) return finish(ports, spec, { ...blank, outcome: 'skipped', detail: error.message });
    return { ...blank, outcome: 'failed', failedStep: 'setup', detail: describeError(error) };
  }
  try {
    return await new CredentialRun(ports, spec, run, blank, lease).execute();
  } finally {
    await lease.release();
  }
}

/** One credential's run under its lease: the state it read, what it does, and what it reports. */
class CredentialRun {
  readonly result: CredentialResult;
  readonly c: StepContext;
  state: CredentialState = emptyState('');
  versions: CredentialVersion[] = [];

  constructor(
    readonly ports: RotationPorts,
    readonly spec: CredentialSpec,
    readonly run: RunContext,
    blank: CredentialResult,
    readonly lease: HeldLease,
  ) {
    this.result = { ...blank };
    this.c = { hub: ports.hub, secrets: ports.secrets, spec, organization: run.organization, now: ports.clock, account: undefined };
  }

  async execute(): Promise<CredentialResult> {
    this.state = (await this.ports.store.getCredentialState(this.spec.name)) ?? emptyState(this.spec.name);
    this.versions = await this.ports.store.listVersions(this.spec.name);
    if (this.spec.kind === 'token-exchange') {
      const suspension = await this.ports.store.getSuspension(this.spec.name);
      if (suspension) {
        await this.revokeSuspended(suspension);
        return finish(this.ports, this.spec, this.result, this.state, this.versions);
      }
    }
    const decision = decideRotation(this.spec, this.state, this.versions, this.ports.clock(), this.run.force);
    this.result.detail = decision.reason;
    try {
      if (this.spec.kind === 'service-account')
        this.c.account = resolveAccount(await this.run.accounts(), this.spec.serviceAccount, this.spec.name);
    } catch (error) {
      await this.alert('hf-iam-sync.RotationFailed', {
        step: 'setup',
        error: describeError(error),
        consumersOn: summary(currentVersion(this.state, this.versions)),
      });
      return finish(this.ports, this.spec, { ...this.result, outcome: 'failed', failedStep: 'setup', detail: describeError(error) });
    }
    if (decision.action !== 'none') {
      await this.advance(decision.reason);
      this.versions = await this.ports.store.listVersions(this.spec.name);
    }
    if (!this.lease.lost) await this.deleteExpired();
    return finish(this.ports, this.spec, this.result, this.state, this.versions);
  }

  /** Runs the remaining steps of the rotation under way (or of a new one) until promotion or a failure. */
  async advance(reason: string): Promise<void> {
    const rotation = this.state.rotation ?? startRotation(this.ports.clock());
    if (!this.state.rotation) {
      // Recorded before the Hub is called: a crash from here on resumes this rotation, never a second one.
      await this.save({ ...this.state, rotation });
    }
    const at: StepAt = { step: rotation.step, version: this.versions.find((v) => v.versionId === rotation.rotationId) };
    try {
      while (at.step !== 'promote') {
        await this.lease.confirm(`step ${at.step}`);
        if (at.step === 'create') await this.#create(rotation, at);
        else if (!(await this.#verify(rotation, at))) continue;
        await this.save({ ...this.state, rotation: { ...rotation, step: at.step } });
      }
      await this.lease.confirm('step promote');
      await this.promote(rotation.rotationId, at.version!, reason);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Another run owns the credential now: recording anything here could overwrite its state.
        Object.assign(this.result, {
          outcome: 'failed',
          failedStep: at.step,
          detail: `${error.message} The rotation stays at "${at.step}" for the run that holds the lease.`,
        });
        return;
      }
      await this.fail(rotation, at.step, at.version, error instanceof StepFailure ? error : new StepFailure(at.step, error));
    }
  }

  /** Step 1 (create and store); a secret's first value was verified before it was stored, so it goes straight to promote. */
  async #create(rotation: RotationInProgress, at: StepAt): Promise<void> {
    const { version, value } = await createAndStore(this.c, rotation, currentVersion(this.state, this.versions));
    Object.assign(at, { version, value });
    await this.ports.store.putVersion(version);
    const done = { rotationId: rotation.rotationId, outcome: 'done' as const, tokenId: version.tokenId, last4: version.last4 };
    await this.record({ ...done, step: 'create' });
    at.step = 'verify';
    if (version.verifiedAt) {
      await this.record({ ...done, step: 'verify' });
      at.step = 'promote';
    }
  }

  /** Step 2 (verify); false when the pending version vanished from the secret (then this rotation's create step again). */
  async #verify(rotation: RotationInProgress, at: StepAt): Promise<boolean> {
    at.value ??=
      (await this.ports.secrets.getVersion(this.spec.secret, rotation.rotationId).catch((e: unknown) => {
        throw new StepFailure('verify', e);
      })) ?? undefined;
    if (at.value === undefined || !at.version) {
      at.step = 'create';
      return false;
    }
    await verify(this.c, at.value).catch((e: unknown) => {
      // A token the Hub refuses outright was deleted or revoked since it was made: start over.
      throw e instanceof TokenRejectedError
        ? new StepFailure(
            'verify',
            new VerificationError(`${e.message}: the new token was deleted or revoked on the Hub; the next run starts a new rotation`),
            true,
          )
        : new StepFailure('verify', e);
    });
    const version = { ...at.version, verifiedAt: this.ports.clock().toISOString() };
    at.version = version;
    await this.ports.store.putVersion(version);
    await this.record({ rotationId: rotation.rotationId, step: 'verify', outcome: 'done', tokenId: version.tokenId, last4: version.last4 });
    at.step = 'promote';
    return true;
  }

  async promote(rotationId: string, version: CredentialVersion, reason: string): Promise<void> {
    const changed = await promote(this.c, this.state, version, this.versions).catch((e: unknown) => {
      throw new StepFailure('promote', e);
    });
    for (const v of changed) await this.ports.store.putVersion(v);
    const [now, previous] = [changed[0]!, changed[1]];
    await this.save({ ...this.state, currentVersionId: rotationId, rotation: null, lastRotatedAt: now.promotedAt! });
    await this.record({ rotationId, step: 'promote', outcome: 'done', tokenId: version.tokenId, last4: version.last4 });
    const after = !previous
      ? ''
      : previous.stage === 'deleted'
        ? `, previous …${previous.last4} died at the Hub's rotate (in-place)`
        : previous.deleteAfter
          ? `, previous …${previous.last4} stays valid until ${previous.deleteAfter} (grace period), then is deleted`
          : `, previous …${previous.last4} stays valid until it expires`;
    Object.assign(this.result, { outcome: 'rotated', detail: `${reason}; now …${version.last4}${after}` });
    await this.alert('hf-iam-sync.CredentialRotated', { version: summary(now), previous: summary(previous), secret: this.spec.secret });
  }

  /** Records where the rotation stopped and alerts; a `restart` failure discards the version so the next run starts afresh. */
  async fail(
    rotation: RotationInProgress,
    step: RotationStep,
    version: CredentialVersion | undefined,
    failure: StepFailure,
  ): Promise<void> {
    const attempts = rotation.attempts + 1;
    const resumeAt: RotationStep = STEP_ORDER.includes(step) ? step : 'create';
    if (failure.restart) {
      const lost = version ?? this.versions.find((v) => v.versionId === rotation.rotationId);
      if (lost) await this.ports.store.putVersion({ ...lost, stage: 'discarded' }).catch(() => undefined);
      if (lost?.tokenId && this.c.account) await this.ports.hub.deleteToken(this.c.account.id, lost.tokenId).catch(() => undefined);
    }
    const next = failure.restart
      ? null
      : {
          ...rotation,
          step: resumeAt,
          attempts,
          lastError: { step: resumeAt, message: failure.message, at: this.ports.clock().toISOString() },
        };
    await this.save({ ...this.state, rotation: next }).catch(() => undefined);
    await this.record({
      rotationId: rotation.rotationId,
      step: resumeAt,
      outcome: 'failed',
      error: `${failure.step}: ${failure.message}`,
    }).catch(() => undefined);
    await this.alert('hf-iam-sync.RotationFailed', {
      step: failure.step,
      error: failure.message,
      rotationId: rotation.rotationId,
      attempts,
      consumersOn: summary(currentVersion(this.state, this.versions)),
    });
    const then = failure.restart ? 'the next run starts a new rotation' : `the next run resumes at "${resumeAt}"`;
    Object.assign(this.result, {
      outcome: 'failed',
      failedStep: failure.step,
      detail: `step ${failure.step} failed (attempt ${attempts}; ${then}): ${failure.message}`,
    });
  }

  /**
   * The subject was offboarded: every token of this credential that may still work (current,
   * previous, pending) is revoked by value, once, and the credential is never refreshed again.
   */
  async revokeSuspended(suspension: {
    runId: string;
    user: string;
    reason: string;
    suspendedAt: string;
    revokedAt?: string;
  }): Promise<void> {
    const { ports, spec } = this;
    const then =
      'not refreshed any more; remove the credential from the configuration (or restore the person and delete its SUSPENDED state item)';
    if (suspension.revokedAt) {
      Object.assign(this.result, {
        outcome: 'suspended',
        detail: `suspended since ${suspension.suspendedAt} (subject ${suspension.user} offboarded), tokens revoked at ${suspension.revokedAt}; ${then}`,
      });
      return;
    }
    const live = this.versions.filter((v) => v.stage === 'current' || v.stage === 'previous' || v.stage === 'pending');
    try {
      await this.lease.confirm('revoking the tokens');
      const values = (await Promise.all(live.map((v) => ports.secrets.getVersion(spec.secret, v.versionId)))).filter(
        (v): v is string => v !== null,
      );
      await ports.hub.revokeValues(values);
      const at = ports.clock();
      for (const v of live) await ports.store.putVersion({ ...v, stage: 'deleted', deletedAt: at.toISOString() });
      await ports.store.markSuspensionRevoked(spec.name, at);
      if (this.state.rotation) await this.save({ ...this.state, rotation: null });
      await this.record({
        rotationId: suspension.runId,
        step: 'revoke',
        outcome: 'done',
        tokenId: null,
        last4: live.map((v) => v.last4).join(','),
      });
      await this.alert('hf-iam-sync.CredentialRevoked', {
        user: suspension.user,
        offboardingRun: suspension.runId,
        reason: suspension.reason,
        revoked: live.map((v) => summary(v)),
      });
      this.versions = await ports.store.listVersions(spec.name);
      Object.assign(this.result, {
        outcome: 'suspended',
        detail: `subject ${suspension.user} offboarded (run ${suspension.runId}): revoked ${values.length} token(s) ${live.map((v) => `…${v.last4}`).join(', ') || '(none held)'}; ${then}`,
      });
    } catch (error) {
      await this.record({ rotationId: suspension.runId, step: 'revoke', outcome: 'failed', error: describeError(error) }).catch(
        () => undefined,
      );
      await this.alert('hf-iam-sync.RotationFailed', { step: 'revoke', error: describeError(error), user: suspension.user });
      Object.assign(this.result, {
        outcome: 'failed',
        failedStep: 'revoke',
        detail: `revoking the tokens of offboarded subject ${suspension.user} failed (retried next run): ${describeError(error)}`,
      });
    }
  }

  /** Old tokens whose grace period is over, including one just retired with a grace period of 0. */
  async deleteExpired(): Promise<void> {
    for (const old of decideRotation(this.spec, this.state, this.versions, this.ports.clock()).deletions) {
      try {
        await this.ports.hub.deleteToken(this.c.account!.id, old.tokenId!);
        await this.ports.store.putVersion({ ...old, stage: 'deleted', deletedAt: this.ports.clock().toISOString() });
        await this.record({ rotationId: old.versionId, step: 'delete-old', outcome: 'done', tokenId: old.tokenId, last4: old.last4 });
        this.result.deleted.push({ tokenId: old.tokenId!, last4: old.last4 });
      } catch (error) {
        await this.record({
          rotationId: old.versionId,
          step: 'delete-old',
          outcome: 'failed',
          tokenId: old.tokenId,
          last4: old.last4,
          error: describeError(error),
        }).catch(() => undefined);
        await this.alert('hf-iam-sync.RotationFailed', {
          step: 'delete-old',
          error: describeError(error),
          tokenId: old.tokenId,
          last4: old.last4,
        });
        if (this.result.outcome !== 'failed') {
          Object.assign(this.result, {
            outcome: 'failed',
            failedStep: 'delete-old',
            detail: `${this.result.detail}; deleting old token …${old.last4} failed (retried next run): ${describeError(error)}`,
          });
        }
      }
    }
  }

  async save(state: CredentialState): Promise<void> {
    this.state = state;
    await this.ports.store.putCredentialState(state, this.ports.clock());
  }

  record(e: Omit<RotationEventRecord, 'credential' | 'runId' | 'at'>): Promise<void> {
    return this.ports.store.recordRotationEvent({
      ...e,
      credential: this.spec.name,
      runId: this.run.runId,
      at: this.ports.clock().toISOString(),
    });
  }

  /** Publishes one of our events; a publishing failure is reported with the result, never fails the run. */
  async alert(detailType: string, detail: Record<string, unknown>): Promise<void> {
    if (!this.ports.events) return;
    const { spec, run } = this;
    await this.ports.events
      .publish([
        { detailType, detail: { credential: spec.name, kind: spec.kind, organization: run.organization, runId: run.runId, ...detail } },
      ])
      .catch((error: unknown) => this.result.alertErrors.push(`${detailType}: ${describeError(error)}`));
  }
}

async function finish(
  ports: RotationPorts,
  spec: CredentialSpec,
  result: CredentialResult,
  state?: CredentialState,
  versions?: CredentialVersion[],
): Promise<CredentialResult> {
  const s = state ?? (await ports.store.getCredentialState(spec.name)) ?? emptyState(spec.name);
  const v = versions ?? (await ports.store.listVersions(spec.name));
  const current = currentVersion(s, v);
  const now = ports.clock();
  return {
    ...result,
    current: summary(current) ?? null,
    overdue: result.outcome !== 'suspended' && isOverdue(spec, s, v, now),
    ageMs: current?.promotedAt ? now.getTime() - Date.parse(current.promotedAt) : null,
  };
}

function summary(v: CredentialVersion | undefined): CredentialResult['current'] | undefined {
  if (!v) return undefined;
  return {
    versionId: v.versionId,
    tokenId: v.tokenId,
    last4: v.last4,
    fingerprint: v.fingerprint,
    ...(v.promotedAt ? { promotedAt: v.promotedAt } : {}),
    ...(v.expiresAt ? { expiresAt: v.expiresAt } : {}),
  };
}

/** The configured service account, by id, name or username; a miss lists the ones that exist. */
export function resolveAccount(accounts: readonly ServiceAccountRef[], ref: string, credential: string): ServiceAccountRef {
  const wanted = ref.toLowerCase();
  const found = accounts.find((a) => a.id === ref || a.name.toLowerCase() === wanted || a.user.toLowerCase() === wanted);
  if (!found) {
    throw new ConfigError([
      `credentials "${credential}": serviceAccount "${ref}" is not a service account of the organization (have: ${accounts.map((a) => a.name).join(', ') || 'none'}); create it under Settings → Service accounts, or fix the name`,
    ]);
  }
  return found;
}
