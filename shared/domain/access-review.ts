import type { CiPrincipal } from './ci-access.js';
import type { PlanInputs } from './compute-plan.js';
import { computeDesired, linkByEmail, type Entitlement } from './desired-state.js';
import type { Plan } from './plan.js';
import { userKey } from './roles.js';
import { resolveRules } from './rules.js';
import type { HubMember } from './types.js';

/**
 * The access review: who has access today, and why — every member of the organization with role
 * and resource groups, the Okta user and the rule or group that grants it, since when and the last
 * change (from our audit trail), and flags a reviewer must look at. Pure: what was read in, a
 * review out; `compareReviews` says what changed since the last one.
 */

export interface ReviewChange {
  at: string;
  action: string;
  actor: string;
  runId: string;
}

interface ReviewRow {
  user: string;
  fullname: string;
  role: string;
  resourceGroups: Array<{ name: string; role: string }>;
  oktaLogin: string | null;
  oktaUserId: string | null;
  /** The rules and groups behind the access, in Okta's words (empty: nothing in Okta grants it). */
  grantedBy: string[];
  /** When hf-iam-sync last gave this member their access (null: never, as far as our trail goes). */
  since: string | null;
  lastChange: ReviewChange | null;
  flags: string[];
}

export interface AccessReview {
  format: 'hf-iam-sync.access-review/1';
  organization: string;
  generatedAt: string;
  rows: ReviewRow[];
  summary: { members: number; byRole: Record<string, number>; byResourceGroup: Record<string, number>; byFlag: Record<string, number> };
  /** The CI token broker's policies as principals, with their use since `ciPeriodStart` (absent without ciAccess). */
  ciPrincipals?: CiPrincipal[];
  ciPeriodStart?: string;
}

export const FLAGS = {
  unmanaged: 'unmanaged (no Okta user claims this member)',
  protected: 'protected (safety.protectedUsers)',
  conflict: 'in conflict (several Okta users claim it)',
  pending: 'not in line with Okta (the next apply changes it)',
  blocked: 'held by a guard',
  exchange: 'token-exchange subject (a credential issues tokens for this person)',
  serviceAccount: 'service account (its tokens are rotated by hf-iam-sync)',
} as const;

const count = (values: string[]) => values.reduce<Record<string, number>>((n, v) => ({ ...n, [v]: (n[v] ?? 0) + 1 }), {});

/** The flags of a member's row: what the plan, the policy and the credentials say about them. */
function flagger(inputs: PlanInputs, plan: Plan, serviceAccounts: readonly string[]) {
  const unmanaged = new Set(plan.unmanaged.map((u) => userKey(u.user)));
  const conflicts = new Set(plan.conflicts.map((c) => userKey(c.user)));
  const pending = new Set(plan.changes.map((c) => userKey(c.user)));
  const blocked = new Set(plan.blocked.map((b) => userKey(b.change.user)));
  const protectedUsers = new Set(inputs.policy.protectedUsers.map(userKey));
  const subjects = new Set((inputs.exchangeCredentials ?? []).map((c) => c.subject.toLowerCase()));
  const machines = new Set(serviceAccounts.map(userKey));
  return (member: HubMember, ent: Entitlement | undefined): string[] => {
    const key = userKey(member.user);
    return [
      ...(unmanaged.has(key) ? [FLAGS.unmanaged] : []),
      ...(protectedUsers.has(key) ? [FLAGS.protected] : []),
      ...(conflicts.has(key) ? [FLAGS.conflict] : []),
      ...(pending.has(key) ? [FLAGS.pending] : []),
      ...(blocked.has(key) ? [FLAGS.blocked] : []),
      ...(machines.has(key) ? [FLAGS.serviceAccount] : []),
      ...((member.email && subjects.has(member.email.toLowerCase())) || (ent && subjects.has(ent.user.email.toLowerCase()))
        ? [FLAGS.exchange]
        : []),
    ];
  };
}

/** @example reviewAccess(inputs, computePlan(inputs), new Map(), '2026-11-29T00:00:00Z').rows[0]?.grantedBy */
export function reviewAccess(
  inputs: PlanInputs,
  plan: Plan,
  lastChanges: ReadonlyMap<string, ReviewChange | null>,
  generatedAt: string,
  serviceAccounts: readonly string[] = [],
): AccessReview {
  const resolved = resolveRules(
    inputs.rules,
    inputs.naming,
    inputs.policy.organization,
    inputs.directory.groups,
    inputs.hub.resourceGroups,
  );
  const directory = inputs.policy.emailFallback ? linkByEmail(inputs.directory, inputs.hub.members) : inputs.directory;
  const desired = computeDesired(directory, resolved, inputs.policy);
  const flagsOf = flagger(inputs, plan, serviceAccounts);
  const rows = inputs.hub.members
    .map((member): ReviewRow => {
      const key = userKey(member.user);
      const ent = desired.byMember.get(key);
      const last = lastChanges.get(key) ?? null;
      const flags = flagsOf(member, ent);
      return {
        user: member.user,
        fullname: member.fullname,
        role: member.role,
        resourceGroups: member.resourceGroups.map((rg) => ({ name: rg.name, role: rg.role })).sort((a, b) => a.name.localeCompare(b.name)),
        oktaLogin: ent?.user.login ?? null,
        oktaUserId: ent?.user.id ?? null,
        grantedBy: ent?.entitled ? ent.reasons : [],
        since: last?.at ?? null,
        lastChange: last,
        flags,
      };
    })
    .sort((a, b) => a.user.localeCompare(b.user));
  return {
    format: 'hf-iam-sync.access-review/1',
    organization: inputs.policy.organization,
    generatedAt,
    rows,
    summary: {
      members: rows.length,
      byRole: count(rows.map((r) => r.role)),
      byResourceGroup: count(rows.flatMap((r) => r.resourceGroups.map((rg) => rg.name))),
      byFlag: count(rows.flatMap((r) => r.flags)),
    },
  };
}

/** What changed between two reviews, member by member, in words. */
export function compareReviews(previous: AccessReview, current: AccessReview): string[] {
  const before = new Map(previous.rows.map((r) => [userKey(r.user), r]));
  const after = new Map(current.rows.map((r) => [userKey(r.user), r]));
  const groups = (r: ReviewRow) => r.resourceGroups.map((rg) => `${rg.name}:${rg.role}`).join(', ') || 'none';
  const lines: string[] = [];
  for (const [key, now] of after) {
    const was = before.get(key);
    if (!was) lines.push(`+ ${now.user}: new member, ${now.role} (resource groups: ${groups(now)})`);
    else {
      if (was.role !== now.role) lines.push(`~ ${now.user}: role ${was.role} → ${now.role}`);
      if (groups(was) !== groups(now)) lines.push(`~ ${now.user}: resource groups ${groups(was)} → ${groups(now)}`);
      const gained = now.flags.filter((f) => !was.flags.includes(f));
      const lost = was.flags.filter((f) => !now.flags.includes(f));
      if (gained.length || lost.length)
        lines.push(`~ ${now.user}: flags ${[...gained.map((f) => `+${f}`), ...lost.map((f) => `-${f}`)].join(', ')}`);
    }
  }
  for (const [key, was] of before) if (!after.has(key)) lines.push(`- ${was.user}: no longer a member (was ${was.role})`);
  return lines;
}
