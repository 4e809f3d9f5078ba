import { byName, effectOf, isNoAccess, NO_ACCESS, rebuildAccess, sameAccess } from './access.js';
import { computeDesired, linkByEmail, type DesiredState, type Entitlement } from './desired-state.js';
import { applyGuards } from './guards.js';
import type {
  Access,
  Change,
  ChangeAction,
  Diagnostic,
  Effect,
  InvitedWaiting,
  NeedsInvite,
  OktaRead,
  Plan,
  PlanScope,
  UnmanagedMember,
} from './plan.js';
import { userKey } from './roles.js';
import { resolveRules, type NamingConvention, type ResolvedRules } from './rules.js';
import { hubUsernameProblem, scimName } from './scim.js';
import type { DirectorySnapshot, HubMember, HubSnapshot, IssuedToken, ManagedMember, Policy, Rule } from './types.js';

/**
 * computePlan(inputs): Plan — pure; no I/O, no clock, no environment.
 *
 * Who is whose: a Hub member is *claimed* by the one Okta user whose username attribute names it
 * (case-insensitively), whatever that user's status or groups. A member our state records as
 * managed stays managed after the claim goes away. Everyone else is *unmanaged*.
 *
 *   claimed, entitled      → role and managed resource groups set as the rules say
 *   claimed, not entitled  → loses access (first run included: no state is needed)
 *   managed, unclaimed     → loses access
 *   unmanaged              → reported; removed only with unmanagedMembers: remove
 *   entitled, not on Hub   → SCIM invite, or "needs invite" in roles mode
 */
export interface PlanInputs {
  directory: DirectorySnapshot;
  hub: HubSnapshot;
  managed: readonly ManagedMember[];
  /** Active tokens this system issued, for the people in scope (none when nothing issues tokens). */
  issuedTokens?: readonly IssuedToken[];
  rules: readonly Rule[];
  naming: NamingConvention | null;
  policy: Policy;
  scope: PlanScope;
  /** Token-exchange credentials (tokens issued for one member), and those already suspended. */
  exchangeCredentials?: ReadonlyArray<{ name: string; subject: string; secret: string }>;
  suspendedCredentials?: readonly string[];
  /**
   * False when a one-user read skipped the groups and rules because the person's Okta status
   * grants nothing: no rule can apply, so none is bound (and none reported missing).
   */
  rulesBound?: boolean;
  /** Organization reads: how Okta was read, carried into the plan. */
  oktaRead?: OktaRead;
}

const EFFECT_ORDER: Record<Effect, number> = { grant: 0, upgrade: 1, mixed: 2, downgrade: 3, revoke: 4 };

function accessOf(member: HubMember): Access {
  return { role: member.role, resourceGroups: member.resourceGroups };
}

/**
 * What a member loses. In roles mode that is `no_access` and every resource group — except those the
 * IdP manages through SCIM, which the Hub lets only SCIM change (a PUT that drops them answers 403):
 * they are resent, and the change says so.
 */
function removal(
  member: HubMember,
  policy: Policy,
  ent: Entitlement | null,
  reasons: string[],
  scimManaged: ReadonlySet<string> = new Set(),
): Change | null {
  const before = accessOf(member);
  const scim = policy.membership !== 'roles';
  const kept = before.resourceGroups.filter((rg) => scimManaged.has(rg.id));
  const target: Access = kept.length > 0 ? { role: 'no_access', resourceGroups: kept } : NO_ACCESS;
  if (!scim && sameAccess(before, target)) return null;
  if (!scim && kept.length > 0) {
    reasons = [
      ...reasons,
      `keeps SCIM-managed resource group(s) ${kept.map((rg) => rg.name).join(', ')}: only the identity provider's SCIM push can take them away — remove the person from the Okta group pushed to each`,
    ];
  }
  const action: ChangeAction = !scim ? 'remove' : policy.scimDelete ? 'scim-delete' : 'scim-deactivate';
  return {
    id: `${action}:${userKey(member.user)}`,
    action,
    user: member.user,
    oktaUserId: ent?.user.id ?? null,
    oktaLogin: ent?.user.login ?? null,
    oktaEmail: ent?.user.email ?? null,
    before,
    after: scim ? null : target,
    effect: 'revoke',
    reasons,
  };
}

/** @example computePlan({directory, hub, managed: [], rules, naming: null, policy, scope: {kind: 'organization'}}).summary */
export function computePlan(inputs: PlanInputs): Plan {
  const { directory, hub, policy } = inputs;
  const resolved =
    inputs.rulesBound === false
      ? { rules: [], managedResourceGroups: new Set<string>(), unparsedGroups: [], diagnostics: [] }
      : resolveRules(inputs.rules, inputs.naming, policy.organization, directory.groups, hub.resourceGroups);
  const base = {
    formatVersion: 1 as const,
    organization: policy.organization,
    membership: policy.membership,
    scope: inputs.scope,
    unparsedGroups: resolved.unparsedGroups,
    diagnostics: resolved.diagnostics,
    rules: resolved.rules.map((r) => ({ group: r.group, role: r.role, resourceGroup: r.resourceGroup ?? null, source: r.source })),
    ...(inputs.oktaRead ? { oktaRead: inputs.oktaRead } : {}),
  };
  if (resolved.diagnostics.some((d) => d.severity === 'error')) {
    return finish({ ...base, changes: [], blocked: [], needsInvite: [], invited: [], unlinked: [], unmanaged: [], conflicts: [] });
  }
  const ctx = planContext(inputs, resolved);
  const members = memberChanges(ctx);
  const newcomers = newcomerChanges(ctx, members.onHub);
  const candidates = [
    ...members.candidates,
    ...newcomers.candidates,
    ...tokenRevocations(inputs.issuedTokens ?? [], ctx.desired.byMember),
    ...credentialSuspensions(inputs, ctx.desired.byMember),
  ];
  const { changes, blocked } = applyGuards(candidates, hub, policy);
  changes.sort((a, b) => EFFECT_ORDER[a.effect] - EFFECT_ORDER[b.effect] || a.user.localeCompare(b.user));
  return finish({
    ...base,
    diagnostics: [...resolved.diagnostics, ...ctx.scimRuleWarnings, ...noMatch(inputs), ...newcomers.diagnostics],
    changes,
    blocked,
    needsInvite: newcomers.needsInvite.sort((a, b) => a.user.localeCompare(b.user)),
    invited: newcomers.invited.sort((a, b) => a.user.localeCompare(b.user)),
    unlinked: ctx.desired.unlinked,
    unmanaged: members.unmanaged.sort((a, b) => a.user.localeCompare(b.user)),
    conflicts: ctx.desired.conflicts,
  });
}

/** What every part of the plan is decided from: who is entitled to what, what we manage, and what SCIM keeps. */
interface PlanContext {
  inputs: PlanInputs;
  desired: DesiredState;
  /** Resource groups the IdP manages through SCIM: left exactly as they are, whatever a rule says. */
  scimIds: Set<string>;
  /** Lower-cased names of the resource groups rules manage, SCIM's excepted. */
  managedRgs: Set<string>;
  scimRuleWarnings: Diagnostic[];
  managedById: Map<string, ManagedMember>;
  conflicted: Set<string>;
}

function planContext(inputs: PlanInputs, resolved: ResolvedRules): PlanContext {
  const { directory, hub, policy } = inputs;
  const desired = computeDesired(policy.emailFallback ? linkByEmail(directory, hub.members) : directory, resolved, policy);
  const scimIds = new Set(hub.scimManagedResourceGroups ?? []);
  const scimNames = new Set(hub.resourceGroups.filter((rg) => scimIds.has(rg.id)).map((rg) => rg.name.toLowerCase()));
  const scimRuleWarnings: Diagnostic[] = resolved.rules
    .filter((r) => r.resourceGroup && scimNames.has(r.resourceGroup.toLowerCase()))
    .map((r) => ({
      severity: 'warning',
      code: 'scim-managed-resource-group',
      summary: `rule ${r.group} → resource group ${r.resourceGroup} is ignored: the identity provider manages that group through SCIM`,
      detail:
        'The Hub refuses changes to a SCIM-managed resource group from anyone but SCIM; manage it with the Okta group pushed to it, or drop the rule.',
    }));
  return {
    inputs,
    desired,
    scimIds,
    managedRgs: new Set([...resolved.managedResourceGroups].filter((name) => !scimNames.has(name))),
    scimRuleWarnings,
    managedById: new Map(inputs.managed.map((m) => [userKey(m.user), m])),
    conflicted: new Set(desired.conflicts.map((c) => c.user)),
  };
}

/** Each Hub member: set as entitled, removed (not entitled, or managed and unclaimed), or reported unmanaged. */
function memberChanges(ctx: PlanContext): { candidates: Change[]; unmanaged: UnmanagedMember[]; onHub: Set<string> } {
  const { hub, policy } = ctx.inputs;
  const candidates: Change[] = [];
  const unmanaged: UnmanagedMember[] = [];
  const onHub = new Set<string>();
  const remove = (member: HubMember, ent: Entitlement | null, reason: string) => {
    const change = removal(member, policy, ent, [reason], ctx.scimIds);
    if (change) candidates.push(change);
  };
  for (const member of hub.members) {
    const key = userKey(member.user);
    onHub.add(key);
    if (ctx.conflicted.has(key)) continue;
    const ent = ctx.desired.byMember.get(key);
    if (ent?.entitled) {
      const change = entitledChange(ctx, member, ent);
      if (change) candidates.push(change);
    } else if (ent) {
      remove(member, ent, `linked to Okta user ${ent.user.login}, who is no longer entitled: ${ent.reasons.join('; ')}`);
    } else if (ctx.managedById.has(key)) {
      remove(member, null, 'managed by hf-iam-sync, but no Okta user links this member any more');
    } else if (hub.complete && policy.unmanagedMembers === 'remove' && !isNoAccess(accessOf(member))) {
      remove(member, null, 'no Okta user claims this member and safety.unmanagedMembers is "remove"');
    } else if (hub.complete) {
      unmanaged.push({ user: member.user, role: member.role, resourceGroups: member.resourceGroups.map((rg) => rg.name) });
    }
  }
  return { candidates, unmanaged, onHub };
}

/** An entitled member's role and managed resource groups as the rules say (null when they already are). */
function entitledChange(ctx: PlanContext, member: HubMember, ent: Entitlement): Change | null {
  const key = userKey(member.user);
  const before = accessOf(member);
  const wanted =
    ctx.scimIds.size === 0
      ? ent.access
      : { ...ent.access, resourceGroups: ent.access.resourceGroups.filter((rg) => !ctx.scimIds.has(rg.id)) };
  let after = rebuildAccess(before, wanted, ctx.managedRgs);
  // Entitled again after a removal: the resource groups no rule manages come back (those that still exist).
  const restored = restorable(ctx.managedById.get(key), after, ctx.managedRgs, ctx.inputs.hub);
  if (restored.resourceGroups.length > 0)
    after = { ...after, resourceGroups: [...after.resourceGroups, ...restored.resourceGroups].sort(byName) };
  if (sameAccess(before, after)) return null;
  return {
    id: `set-role:${key}`,
    action: 'set-role',
    user: member.user,
    oktaUserId: ent.user.id,
    oktaLogin: ent.user.login,
    oktaEmail: ent.user.email,
    before,
    after,
    effect: effectOf(before, after),
    reasons: restored.reason ? [...ent.reasons, restored.reason] : ent.reasons,
  };
}

/** A one-person run that found nobody. */
function noMatch(inputs: PlanInputs): Diagnostic[] {
  if (inputs.scope.kind !== 'user' || inputs.directory.users.length > 0 || inputs.hub.members.length > 0) return [];
  return [
    {
      severity: 'warning',
      code: 'no-match',
      summary: `nobody matched "${inputs.scope.user}": no Okta user by that login, id or username attribute, and no Hub member by that name`,
      detail: '--user takes an Okta login (alice@acme.com), an Okta user id (00u…), or a Hugging Face username; check the spelling.',
    },
  ];
}

/** Entitled people not in the organization yet: to invite (roles: by hand; SCIM: a change), or waiting on an invitation sent. */
function newcomerChanges(
  ctx: PlanContext,
  onHub: ReadonlySet<string>,
): { candidates: Change[]; needsInvite: NeedsInvite[]; invited: InvitedWaiting[]; diagnostics: Diagnostic[] } {
  const { hub, policy } = ctx.inputs;
  const out = {
    candidates: [] as Change[],
    needsInvite: [] as NeedsInvite[],
    invited: [] as InvitedWaiting[],
    diagnostics: [] as Diagnostic[],
  };
  const pending = new Set(hub.invited ?? []);
  for (const ent of ctx.desired.byMember.values()) {
    if (!ent.entitled || onHub.has(ent.key)) continue;
    const wanted = {
      user: ent.user.hfUsername!,
      oktaUserId: ent.user.id,
      oktaLogin: ent.user.login,
      role: ent.access.role,
      resourceGroups: ent.access.resourceGroups.map((rg) => rg.name),
    };
    if (policy.membership === 'roles') out.needsInvite.push(wanted);
    // Basic SSO: an invitation already sent waits for the person; sending it again answers 409.
    else if (pending.has(ent.key)) out.invited.push(wanted);
    else {
      const problem = hubUsernameProblem(ent.user.hfUsername!);
      if (problem) out.diagnostics.push(invalidUsername(ent, problem));
      else out.candidates.push(scimInvite(ent));
    }
  }
  return out;
}

function invalidUsername(ent: Entitlement, problem: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'invalid-hub-username',
    summary: `${ent.user.login}: Hub username "${ent.user.hfUsername}" ${problem}; not invited`,
    detail: 'The Hub refuses a SCIM userName that is not 2–42 letters, digits and single dashes; correct the username attribute in Okta.',
  };
}

function scimInvite(ent: Entitlement): Change {
  return {
    id: `scim-invite:${ent.key}`,
    action: 'scim-invite',
    user: ent.user.hfUsername!,
    oktaUserId: ent.user.id,
    oktaLogin: ent.user.login,
    oktaEmail: ent.user.email,
    before: null,
    after: ent.access,
    effect: 'grant',
    name: scimName(ent.user, ent.user.hfUsername!),
    reasons: [...ent.reasons, 'not yet in the organization: invited through SCIM; roles follow once the account has joined'],
  };
}

/** The resource groups no rule manages that the member's last removal took away, still on the Hub and not held now. */
function restorable(
  state: ManagedMember | undefined,
  after: Access,
  managedRgs: ReadonlySet<string>,
  hub: HubSnapshot,
): { resourceGroups: Access['resourceGroups']; reason: string | null } {
  const removed = state?.removed;
  if (!removed) return { resourceGroups: [], reason: null };
  const exists = new Set(hub.resourceGroups.map((rg) => rg.id));
  const held = new Set(after.resourceGroups.map((rg) => rg.id));
  const back = removed.resourceGroups.filter((rg) => !managedRgs.has(rg.name.toLowerCase()) && exists.has(rg.id) && !held.has(rg.id));
  if (back.length === 0) return { resourceGroups: [], reason: null };
  return {
    resourceGroups: back,
    reason: `restores resource group(s) ${back.map((rg) => `${rg.name} (${rg.role})`).join(', ')} that no rule manages, taken away by run ${removed.runId} at ${removed.at}`,
  };
}

/** Issued tokens of people who are no longer entitled (or whom no Okta user links any more) lose their org access. */
function tokenRevocations(tokens: readonly IssuedToken[], byMember: ReadonlyMap<string, Entitlement>): Change[] {
  const byOktaId = new Map([...byMember.values()].map((e) => [e.user.id, e]));
  return tokens.flatMap((token) => {
    const ent = byOktaId.get(token.oktaUserId);
    if (ent?.entitled) return [];
    const why = ent
      ? `issued for Okta user ${ent.user.login}, who is no longer entitled: ${ent.reasons.join('; ')}`
      : 'issued for an Okta user who no longer links this Hub account';
    return [
      {
        id: `revoke-token:${token.tokenId}`,
        action: 'revoke-token' as const,
        user: token.user,
        oktaUserId: token.oktaUserId,
        oktaLogin: ent?.user.login ?? null,
        oktaEmail: ent?.user.email ?? null,
        before: null,
        after: null,
        effect: 'revoke' as const,
        token: { tokenId: token.tokenId, last4: token.last4, label: token.label },
        reasons: [why],
      },
    ];
  });
}

/**
 * A token-exchange credential issued for someone who is no longer entitled is suspended: its
 * tokens are revoked and it is not refreshed again. Only people this read saw are judged (a subject
 * outside the snapshot is nobody's evidence).
 */
function credentialSuspensions(inputs: PlanInputs, byMember: ReadonlyMap<string, Entitlement>): Change[] {
  const suspended = new Set(inputs.suspendedCredentials ?? []);
  return (inputs.exchangeCredentials ?? []).flatMap((credential) => {
    if (suspended.has(credential.name)) return [];
    // The subject is a member's email: the Hub member with that email and the Okta user claiming
    // them, or else an Okta user with that email.
    const subject = credential.subject.toLowerCase();
    const member = inputs.hub.members.find((m) => m.email?.toLowerCase() === subject);
    const claimed = member ? byMember.get(userKey(member.user)) : undefined;
    const user =
      claimed?.user ?? inputs.directory.users.find((u) => u.email.toLowerCase() === subject || u.login.toLowerCase() === subject);
    if (!user) return [];
    const ent = claimed ?? [...byMember.values()].find((e) => e.user.id === user.id);
    if (ent?.entitled) return [];
    const why = ent ? ent.reasons.join('; ') : `Okta user ${user.login} is ${user.status} and links no Hub member`;
    return [
      {
        id: `suspend-credential:${credential.name}`,
        action: 'suspend-credential' as const,
        user: member?.user ?? user.hfUsername ?? user.login,
        oktaUserId: user.id,
        oktaLogin: user.login,
        oktaEmail: user.email,
        before: null,
        after: null,
        effect: 'revoke' as const,
        credential: { name: credential.name, secret: credential.secret },
        reasons: [
          `token-exchange credential "${credential.name}" is issued for ${credential.subject}, Okta user ${user.login}, who is no longer entitled: ${why}; rotate-tokens revokes its tokens (POST /api/credentials/revoke) and stops refreshing it`,
        ],
      },
    ];
  });
}

/**
 * A plan of hand-made changes (a restore) for what `inputs` read: under the same guards, and
 * nothing else planned.
 */
export function planOf(inputs: PlanInputs, candidates: readonly Change[], diagnostics: Diagnostic[] = []): Plan {
  const { changes, blocked } = applyGuards(candidates, inputs.hub, inputs.policy);
  return finish({
    formatVersion: 1,
    organization: inputs.policy.organization,
    membership: inputs.policy.membership,
    scope: inputs.scope,
    unparsedGroups: [],
    diagnostics,
    rules: [],
    changes,
    blocked,
    needsInvite: [],
    invited: [],
    unlinked: [],
    unmanaged: [],
    conflicts: [],
  });
}

function finish(plan: Omit<Plan, 'errored' | 'applyable' | 'summary'>): Plan {
  const errored = plan.diagnostics.some((d) => d.severity === 'error');
  const count = (...effects: Effect[]) => plan.changes.filter((c) => effects.includes(c.effect)).length;
  return {
    ...plan,
    errored,
    applyable: !errored && plan.changes.length > 0,
    summary: {
      add: count('grant'),
      change: count('upgrade', 'mixed', 'downgrade'),
      remove: count('revoke'),
      blocked: plan.blocked.length,
      needsInvite: plan.needsInvite.length,
      invited: plan.invited.length,
      unlinked: plan.unlinked.length,
      unmanaged: plan.unmanaged.length,
      conflicts: plan.conflicts.length,
    },
  };
}
