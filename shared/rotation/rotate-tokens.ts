import { runDeadline, withDeadline } from '../runtime/deadline.js';
import {
  decideRotation,
  emptyState,
  isOverdue,
  parseTokenLabel,
  type CredentialSpec,
  type RotationDecision,
} from '../domain/credentials.js';
import { describeError, InputError } from '../runtime/errors.js';
import type { ServiceAccountRef } from '../ports/hub-tokens.js';
import { accountsOnce, resolveAccount, rotateCredential, type CredentialResult, type RotationPorts } from './rotate-credential.js';

/**
 * The rotate-tokens use case: every managed credential that is due (or the one asked for), one
 * after another so the Hub's rate limit and the secrets see one writer; then the checks that keep
 * rotation honest — credentials overdue, and service-account tokens on the Hub no credential knows.
 * A dry run reads state and the Hub, decides, and writes nothing.
 */

export interface RotateRequest {
  /** Only this credential, rotated now even if not due (an unfinished rotation is finished first). */
  credential?: string | undefined;
  dryRun: boolean;
  runId: string;
  /** Epoch ms by which the run must be done (default: the enclosing run's, else 15 minutes from now). */
  deadline?: number;
}

interface OrphanToken {
  serviceAccount: string;
  tokenId: string;
  displayName: string;
  last4: string | null;
  createdAt: string;
  /** Set when the name says hf-iam-sync created it (for a credential no longer configured, or a lost attempt). */
  createdFor?: string;
}

export interface RotationReport {
  runId: string;
  dryRun: boolean;
  /** Dry run: what each credential would do, and what would stop it (a missing service account). */
  decisions: Array<RotationDecision & { problem?: string }>;
  results: CredentialResult[];
  overdue: string[];
  orphans: OrphanToken[];
  /** Why the orphan check could not run, if it could not. */
  orphanCheckError?: string;
}

export async function rotateTokens(
  ports: RotationPorts,
  credentials: readonly CredentialSpec[],
  organization: string,
  request: RotateRequest,
): Promise<RotationReport> {
  const deadline = runDeadline(request.deadline);
  return withDeadline(deadline, () => rotateWithin(ports, credentials, organization, request, deadline));
}

async function rotateWithin(
  ports: RotationPorts,
  credentials: readonly CredentialSpec[],
  organization: string,
  request: RotateRequest,
  deadline: number,
): Promise<RotationReport> {
  const selected = select(credentials, request.credential);
  const report: RotationReport = { runId: request.runId, dryRun: request.dryRun, decisions: [], results: [], overdue: [], orphans: [] };
  const accounts = accountsOnce(ports.hub);
  if (request.dryRun) {
    for (const spec of selected) {
      const state = (await ports.store.getCredentialState(spec.name)) ?? emptyState(spec.name);
      const versions = await ports.store.listVersions(spec.name);
      report.decisions.push({
        ...decideRotation(spec, state, versions, ports.clock(), request.credential !== undefined),
        ...(await dryRunProblem(spec, accounts)),
      });
      if (isOverdue(spec, state, versions, ports.clock())) report.overdue.push(spec.name);
    }
  } else {
    for (const spec of selected) {
      const result = await rotateCredential(ports, spec, {
        runId: request.runId,
        organization,
        force: request.credential !== undefined,
        accounts,
        deadline,
      });
      report.results.push(result);
      if (result.overdue) report.overdue.push(spec.name);
    }
  }
  if (credentials.some((c) => c.kind === 'service-account')) {
    try {
      report.orphans = await findOrphans(ports, credentials, await accounts());
    } catch (error) {
      report.orphanCheckError = describeError(error);
    }
  }
  return report;
}

/** Like a plan that refuses a missing reference: a dry run checks that the service account exists. */
async function dryRunProblem(spec: CredentialSpec, accounts: () => Promise<ServiceAccountRef[]>): Promise<{ problem?: string }> {
  if (spec.kind !== 'service-account') return {};
  try {
    resolveAccount(await accounts(), spec.serviceAccount, spec.name);
    return {};
  } catch (error) {
    return { problem: describeError(error) };
  }
}

function select(credentials: readonly CredentialSpec[], name: string | undefined): readonly CredentialSpec[] {
  if (name === undefined) return credentials;
  const found = credentials.find((c) => c.name === name);
  if (!found) {
    throw new InputError(
      `No credential named "${name}" in the configuration (configured: ${credentials.map((c) => c.name).join(', ') || 'none'}); see credentials[] in the config file`,
    );
  }
  return [found];
}

/**
 * Tokens of the organization's service accounts that no credential's state knows (current,
 * previous, or a rotation under way): made by hand, left behind by a removed credential, or minted
 * by an attempt that lost its answer. Reported, never deleted.
 */
async function findOrphans(
  ports: RotationPorts,
  credentials: readonly CredentialSpec[],
  accounts: readonly ServiceAccountRef[],
): Promise<OrphanToken[]> {
  const known = new Set<string>();
  const inFlight = new Set<string>();
  for (const spec of credentials) {
    const state = await ports.store.getCredentialState(spec.name);
    if (state?.rotation) inFlight.add(state.rotation.rotationId);
    for (const v of await ports.store.listVersions(spec.name)) {
      if (v.tokenId && v.stage !== 'deleted' && v.stage !== 'discarded') known.add(v.tokenId);
    }
  }
  const orphans: OrphanToken[] = [];
  for (const account of accounts) {
    for (const token of await ports.hub.listTokens(account.id)) {
      const ours = parseTokenLabel(token.displayName);
      if (known.has(token.id) || (ours && inFlight.has(ours.rotationId))) continue;
      orphans.push({
        serviceAccount: account.name,
        tokenId: token.id,
        displayName: token.displayName,
        last4: token.last4,
        createdAt: token.createdAt,
        ...(ours ? { createdFor: ours.credential } : {}),
      });
    }
  }
  return orphans;
}
