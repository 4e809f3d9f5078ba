import { createHash, randomUUID } from 'node:crypto';
import {
  tokenLabel,
  type CredentialSpec,
  type CredentialState,
  type CredentialVersion,
  type RotationInProgress,
  type ServiceAccountCredential,
} from '../domain/credentials.js';
import type { HubTokens, MintedToken, ServiceAccountRef } from '../ports/hub-tokens.js';
import type { SecretStore } from '../ports/secret-store.js';
import { missingPermissions, restrictionProblem } from '../domain/token-check.js';
import { StepFailure, VerificationError } from '../runtime/errors.js';

/**
 * The steps of one rotation, after the AWS Secrets Manager rotation contract (createSecret,
 * setSecret, testSecret, finishSecret): create the token on the Hub and store it as AWSPENDING →
 * verify it with whoami-v2 → promote it to AWSCURRENT. Each step is re-entrant: the state item says
 * which step comes next, and a step repeated after a crash finds its own earlier work (the secret
 * version is the rotation id; our tokens carry the rotation id in their display name) instead of
 * minting a second token.
 */

export interface StepContext {
  hub: HubTokens;
  secrets: SecretStore;
  spec: CredentialSpec;
  organization: string;
  now: () => Date;
  /** Service-account credentials: the account, resolved once per run. */
  account: ServiceAccountRef | undefined;
}

const fingerprint = (token: string) => `sha256:${createHash('sha256').update(token).digest('hex')}`;

export function startRotation(now: Date): RotationInProgress {
  return { rotationId: randomUUID(), step: 'create', startedAt: now.toISOString(), attempts: 0 };
}

const newVersion = (
  c: StepContext,
  rotationId: string,
  tokenId: string | null,
  value: string,
  label: string | undefined,
  extra: Partial<CredentialVersion> = {},
): CredentialVersion => ({
  credential: c.spec.name,
  versionId: rotationId,
  tokenId,
  last4: value.slice(-4),
  fingerprint: fingerprint(value),
  stage: 'pending',
  createdAt: c.now().toISOString(),
  ...(label ? { label } : {}),
  ...extra,
});

/**
 * Step 1: mint the token and store it as the secret's AWSPENDING version. A token minted by an
 * earlier attempt whose value never reached the secret is unusable (the Hub shows a token once), so
 * it is deleted first; a value that did reach the secret is picked up again, not minted twice.
 *
 * First value of a secret: AWS makes the first version AWSCURRENT whatever stage is asked for, so
 * a token stored before verification would reach consumers unverified. Then the token is verified
 * first and stored only once it passed (the version comes back with `verifiedAt`); a crash between
 * minting and storing leaves a token labelled with this rotation on the Hub, which the next attempt
 * deletes before minting again.
 */
/**
 * Stores a minted token's value as the rotation's version. The write may have landed with only its
 * answer lost: then the rotation simply goes on. Otherwise the value exists only in this process: an
 * overlap token nobody can read is deleted at once (the next attempt mints another); an in-place one
 * replaced the old token, so consumers are broken until the next run rotates again — the in-place gap.
 */
async function storeMinted(c: StepContext, rotation: RotationInProgress, account: ServiceAccountRef, minted: MintedToken): Promise<void> {
  try {
    await store(c, rotation.rotationId, minted.value);
  } catch (error) {
    const landed = await c.secrets.getVersion(c.spec.secret, rotation.rotationId).catch(() => null);
    if (landed === minted.value) return;
    if (c.spec.kind === 'service-account' && c.spec.strategy === 'overlap')
      await c.hub.deleteToken(account.id, minted.id).catch(() => undefined);
    throw error;
  }
}

export async function createAndStore(
  c: StepContext,
  rotation: RotationInProgress,
  current: CredentialVersion | undefined,
): Promise<{ version: CredentialVersion; value: string }> {
  const { spec } = c;
  const stored = await c.secrets.getVersion(spec.secret, rotation.rotationId).catch((e: unknown) => {
    throw new StepFailure('store', e);
  });
  let first = false;
  if (stored === null) {
    const { hasCurrent } = await c.secrets.ensureSecret(spec.secret).catch((e: unknown) => {
      throw new StepFailure('store', e);
    });
    first = !hasCurrent;
  }
  const verifiedFirst = async (value: string, discard: () => Promise<unknown>): Promise<Partial<CredentialVersion>> => {
    if (!first) return {};
    await verify(c, value).catch(async (e: unknown) => {
      await discard().catch(() => undefined);
      throw new StepFailure('verify', e);
    });
    return { verifiedAt: c.now().toISOString() };
  };
  if (spec.kind === 'token-exchange') {
    if (stored !== null) return { version: newVersion(c, rotation.rotationId, null, stored, undefined), value: stored };
    const minted = await c.hub.exchangeToken({ email: spec.subject, scope: spec.scope }).catch((e: unknown) => {
      throw new StepFailure('create', e);
    });
    // An exchanged token that fails verification is never stored; it expires by itself within hours.
    const checked = await verifiedFirst(minted.value, async () => undefined);
    await store(c, rotation.rotationId, minted.value);
    const expiresAt = new Date(c.now().getTime() + minted.expiresInSeconds * 1000).toISOString();
    return { version: newVersion(c, rotation.rotationId, null, minted.value, undefined, { expiresAt, ...checked }), value: minted.value };
  }
  const account = c.account!;
  // In-place rotation keeps the old token's display name; overlap tokens are named after their rotation.
  const label = spec.strategy === 'in-place' && current?.label ? current.label : tokenLabel(spec.name, rotation.rotationId);
  const tokens = await c.hub.listTokens(account.id).catch((e: unknown) => {
    throw new StepFailure('create', e);
  });
  if (stored !== null) {
    const found =
      tokens.find((t) => t.last4 === stored.slice(-4) && t.displayName === label) ?? tokens.find((t) => t.displayName === label);
    if (found) return { version: newVersion(c, rotation.rotationId, found.id, stored, label), value: stored };
    throw new StepFailure(
      'create',
      new VerificationError(
        `the token stored as version ${rotation.rotationId} is no longer on the Hub (deleted by hand?); the next run starts a new rotation`,
      ),
      true,
    );
  }
  const minted = await mint(c, spec, account, tokens, label, rotation, current).catch((e: unknown) => {
    throw e instanceof StepFailure ? e : new StepFailure('create', e);
  });
  const checked = await verifiedFirst(minted.value, () => c.hub.deleteToken(account.id, minted.id));
  await storeMinted(c, rotation, account, minted);
  return { version: newVersion(c, rotation.rotationId, minted.id, minted.value, label, checked), value: minted.value };
}

async function mint(
  c: StepContext,
  spec: ServiceAccountCredential,
  account: ServiceAccountRef,
  tokens: Awaited<ReturnType<HubTokens['listTokens']>>,
  label: string,
  rotation: RotationInProgress,
  current: CredentialVersion | undefined,
) {
  if (spec.strategy === 'in-place' && current?.tokenId) {
    // After a lost rotate answer the old id is gone and the token that replaced it has its name.
    const target = tokens.find((t) => t.id === current.tokenId) ?? tokens.find((t) => t.displayName === label);
    if (target) return c.hub.rotateToken(account.id, target.id);
  }
  for (const leftover of tokens.filter((t) => t.displayName === tokenLabel(spec.name, rotation.rotationId))) {
    await c.hub.deleteToken(account.id, leftover.id);
  }
  return c.hub.createToken(account.id, label, spec.permissions);
}

async function store(c: StepContext, versionId: string, value: string): Promise<void> {
  await c.secrets.putPending(c.spec.secret, versionId, value).catch((e: unknown) => {
    throw new StepFailure('store', e);
  });
}

/**
 * Step 2: the new token answers whoami-v2 as the right identity, reaches the organization (its
 * entry in `orgs`, with or without `roleInOrg`: the Hub may leave it out for service accounts), is
 * under no security restriction there, and holds the permissions the credential asks for.
 */
export async function verify(c: StepContext, value: string): Promise<void> {
  const who = await c.hub.whoami(value);
  const { spec } = c;
  if (spec.kind === 'service-account' && who.user.toLowerCase() !== c.account!.user.toLowerCase()) {
    throw new VerificationError(`the new token answers as ${who.user}, not as service account ${c.account!.user}`);
  }
  if (spec.kind === 'token-exchange' && who.email && who.email.toLowerCase() !== spec.subject.toLowerCase()) {
    throw new VerificationError(`the exchanged token answers as ${who.email}, not ${spec.subject}: check the credential's subject`);
  }
  if (spec.kind === 'token-exchange' && who.roleInOrg === 'no_access') {
    throw new VerificationError(
      `${spec.subject} (${who.user}) has no access to ${c.organization} (role no_access; offboarded?): consumers of this credential stay on the last token, which reaches nothing either — remove the credential or restore the person's access`,
    );
  }
  if (!who.reachesOrg || who.roleInOrg === 'no_access') {
    const elsewhere =
      who.otherOrgs.length > 0
        ? ` (it reaches ${who.otherOrgs.join(', ')}${spec.kind === 'token-exchange' ? ': the OAuth app is bound to another organization — check tokenExchange.clientId' : ''})`
        : '';
    throw new VerificationError(
      `the new token has no access to organization ${c.organization}${who.roleInOrg === 'no_access' ? ' (role no_access)' : ''}${elsewhere}`,
    );
  }
  const restricted = restrictionProblem(who.restrictions);
  if (restricted) throw new VerificationError(`the new token is restricted in ${c.organization}: ${restricted}`);
  const missing = spec.kind === 'service-account' ? missingPermissions(who, spec.permissions) : [];
  if (missing.length > 0) {
    throw new VerificationError(
      `the new token lacks ${missing.join(', ')} in ${c.organization} (whoami-v2 lists ${who.orgPermissions.join(', ') || 'no org permissions'}); check the credential's permissions and the organization's token policy`,
    );
  }
}

/**
 * Step 3: AWSCURRENT moves to the new version (the old one stays readable as AWSPREVIOUS). The old
 * token stays valid for the grace period (overlap); an in-place one died when it was rotated.
 */
export async function promote(
  c: StepContext,
  state: CredentialState,
  version: CredentialVersion,
  versions: readonly CredentialVersion[],
): Promise<CredentialVersion[]> {
  await c.secrets.promote(c.spec.secret, version.versionId);
  const at = c.now();
  const changed: CredentialVersion[] = [{ ...version, stage: 'current', promotedAt: at.toISOString() }];
  const old = versions.find((v) => v.versionId === state.currentVersionId && v.versionId !== version.versionId);
  if (old) {
    const inPlace = c.spec.kind === 'service-account' && c.spec.strategy === 'in-place';
    const grace = c.spec.kind === 'service-account' ? c.spec.gracePeriodMs : 0;
    changed.push(
      inPlace
        ? { ...old, stage: 'deleted', deletedAt: at.toISOString() }
        : { ...old, stage: 'previous', ...(old.tokenId ? { deleteAfter: new Date(at.getTime() + grace).toISOString() } : {}) },
    );
  }
  return changed;
}
