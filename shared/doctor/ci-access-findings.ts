import { HUB_AUDIENCE, parseRepo, type CiPolicy } from '../domain/ci-access.js';
import type { Config } from '../runtime/config.js';
import { describeError, NotFoundError } from '../runtime/errors.js';
import { findServiceAccount, type GrantHub } from '../ci-tokens/grant-cache.js';
import type { Finding } from './run-doctor.js';

/**
 * doctor's checks of `ciAccess`: each issuer's audience (never the Hub's own), and each policy
 * against the Hub — its service account and repositories exist, the plan has service accounts —
 * with a hint where the Hub's own Trusted Publishers do the same job without a broker.
 *
 *   ci-audience     each issuer's audience is this broker's (default: the organization's name)
 *   ci-policy       each policy can be met on the Hub (one finding per policy)
 *   ci-trusted-publisher (hint)  a policy that only writes one repository
 */
export async function ciAccessFindings(config: Config, hub: GrantHub, plan: string | null): Promise<Finding[]> {
  const { issuers, policies } = config.ciAccess;
  if (issuers.length === 0) return [];
  const org = config.policy.organization;
  const findings: Finding[] = issuers.map((i) =>
    i.audience === HUB_AUDIENCE
      ? {
          check: 'ci-audience',
          status: 'fail',
          summary: `issuer ${i.name}'s audience is ${HUB_AUDIENCE}, the Hub's own (Trusted Publishers): a token minted for one must never be accepted by the other`,
          fix: `remove ciAccess.issuers[].audience (it defaults to "${org}") or set another`,
        }
      : {
          check: 'ci-audience',
          status: 'pass',
          summary: `issuer ${i.name} (${i.url}): tokens must carry aud "${i.audience}"${i.audience === org ? " (the organization's name, the default)" : ''}; ask your CI for that audience`,
          fix: null,
        },
  );
  if (plan !== null && !['enterprise', 'plus'].includes(plan)) {
    return [
      ...findings,
      {
        check: 'ci-policy',
        status: 'fail',
        summary: `service accounts are an Enterprise feature; ${org} is on the ${plan} plan, so no ciAccess policy can issue a token`,
        fix: `upgrade ${org} to Enterprise, or use the Hub's Trusted Publishers`,
      },
    ];
  }
  let accounts: Awaited<ReturnType<GrantHub['listServiceAccounts']>>;
  try {
    accounts = await hub.listServiceAccounts();
  } catch (error) {
    return [
      ...findings,
      {
        check: 'ci-policy',
        status: 'fail',
        summary: `could not list the organization's service accounts: ${describeError(error)}`,
        fix: "HF_TOKEN must be an admin's, with org.serviceAccounts.read on the organization",
      },
    ];
  }
  for (const policy of policies) findings.push(...(await policyFindings(hub, policy, accounts)));
  return findings;
}

async function policyFindings(
  hub: GrantHub,
  policy: CiPolicy,
  accounts: Awaited<ReturnType<GrantHub['listServiceAccounts']>>,
): Promise<Finding[]> {
  const problems: string[] = [];
  if (!findServiceAccount(accounts, policy.serviceAccount))
    problems.push(`service account "${policy.serviceAccount}" does not exist (create it in Organization settings → Service accounts)`);
  for (const repo of policy.repos) {
    await hub.repoId(parseRepo(repo)!).catch((error: unknown) => {
      problems.push(
        error instanceof NotFoundError
          ? `repository ${repo} does not exist or HF_TOKEN cannot see it`
          : `repository ${repo} could not be read: ${describeError(error)}`,
      );
    });
  }
  const findings: Finding[] = [
    problems.length === 0
      ? {
          check: 'ci-policy',
          status: 'pass',
          summary: `policy ${policy.name}: ${policy.serviceAccount} with ${grantOf(policy)}, ${Math.round(policy.ttlMs / 60_000)} min`,
          fix: null,
        }
      : {
          check: 'ci-policy',
          status: 'fail',
          summary: `policy ${policy.name} cannot be met: ${problems.join('; ')}`,
          fix: `fix ciAccess.policies[${policy.name}] or create what it names; every exchange for it fails until then`,
        },
  ];
  if (policy.permissions.length === 0 && policy.repos.length === 1 && policy.repoPermissions.includes('repo.write')) {
    findings.push({
      check: 'ci-trusted-publisher',
      status: 'warn',
      summary: `policy ${policy.name} only writes ${policy.repos[0]}: the Hub's own Trusted Publishers do that without a broker (1-hour token, configured in the repo's settings)`,
      fix: `keep the policy for one audited record, TTLs under an hour and a named service account; or configure a Trusted Publisher on ${policy.repos[0]} and set HF_OIDC_RESOURCE in the job`,
    });
  }
  return findings;
}

const grantOf = (p: CiPolicy) =>
  [
    ...(p.permissions.length ? [`org-wide ${p.permissions.join(', ')}`] : []),
    ...(p.repos.length ? [`${p.repoPermissions.join(', ')} on ${p.repos.join(', ')}`] : []),
  ].join('; ');
