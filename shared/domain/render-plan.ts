import type { Access, Change, OktaRead, Plan } from './plan.js';

/**
 * Human rendering of a plan, in the manner of `terraform plan`: one block per change with its
 * symbol, what moves from what to what, and why; then what is only reported. The JSON document is
 * the plan itself — scripts should read that, not these lines.
 */

const SYMBOL: Record<Change['effect'], string> = { grant: '+', upgrade: '~', mixed: '~', downgrade: '~', revoke: '-' };
const ANSI = { '+': '\x1b[32m', '~': '\x1b[33m', '-': '\x1b[31m', '!': '\x1b[35m', reset: '\x1b[0m', bold: '\x1b[1m' };

function describeAccessChange(before: Access | null, after: Access | null): string[] {
  const lines = [`role: ${before?.role ?? '(not a member)'} → ${after?.role ?? '(out of the organization)'}`];
  const b = new Map((before?.resourceGroups ?? []).map((rg) => [rg.id, rg]));
  const a = new Map((after?.resourceGroups ?? []).map((rg) => [rg.id, rg]));
  const parts: string[] = [];
  for (const [id, rg] of a) {
    const old = b.get(id);
    if (!old) parts.push(`+ ${rg.name} (${rg.role})`);
    else if (old.role !== rg.role) parts.push(`~ ${rg.name} (${old.role} → ${rg.role})`);
  }
  for (const [id, rg] of b) if (!a.has(id)) parts.push(`- ${rg.name} (${rg.role})`);
  if (parts.length > 0) lines.push(`resource groups: ${parts.join(', ')}`);
  const kept = [...a.values()].filter((rg) => b.get(rg.id)?.role === rg.role).map((rg) => rg.name);
  if (kept.length > 0) lines.push(`kept as they are: ${kept.join(', ')}`);
  return lines;
}

function changeBlock(change: Change, symbol: string, paint: (s: string, code: string) => string, extra?: string): string[] {
  const head = `  ${paint(symbol, symbol)} ${change.user}  ${change.action} (${change.effect})`;
  const body = (
    change.token
      ? [`token "${change.token.label}" (id ${change.token.tokenId}, …${change.token.last4}): org access revoked`]
      : describeAccessChange(change.before, change.after)
  ).map((l) => `      ${l}`);
  const why = change.reasons.map((r) => `      why: ${r}`);
  return [head, ...body, ...why, ...(extra ? [`      ${extra}`] : []), ''];
}

/** How Okta was read, in one line: a delta says what it re-read; a full read says why it was full. */
function oktaReadLine(read: OktaRead): string {
  if (read.kind === 'full') return `Okta: read in full (${read.reason}).`;
  return (
    `Okta: read the changes since the last read — ${read.groupsRead} group(s) re-read, ${read.usersChanged} user(s) changed, ` +
    `${read.usersDeleted} gone (${read.reason}; \`--full\` reads everything).`
  );
}

/** @example renderPlan(plan, {color: false}).endsWith('to remove.') */
export function renderPlan(plan: Plan, options: { color: boolean } = { color: false }): string {
  const paint = (text: string, key: string) => (options.color ? `${ANSI[key as keyof typeof ANSI] ?? ''}${text}${ANSI.reset}` : text);
  const out: string[] = plan.oktaRead ? [oktaReadLine(plan.oktaRead), ''] : [];
  const scope = plan.scope.kind === 'user' ? `, scoped to ${plan.scope.user}` : '';
  for (const d of plan.diagnostics) {
    out.push(`${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary}`, `  ${d.detail}`, '');
  }
  if (plan.errored) {
    out.push(`Plan for "${plan.organization}" failed: fix the errors above; nothing can be applied.`);
    return out.join('\n');
  }
  if (plan.changes.length === 0) {
    out.push(`No changes. Organization "${plan.organization}" matches Okta${scope}.`, '');
  } else {
    out.push(`hf-iam-sync will make these changes to organization "${plan.organization}" (membership: ${plan.membership}${scope}):`, '');
    for (const change of plan.changes) out.push(...changeBlock(change, SYMBOL[change.effect], paint));
  }
  if (plan.blocked.length > 0) {
    out.push('Held back by a safety guard (will not be applied):', '');
    for (const b of plan.blocked) out.push(...changeBlock(b.change, '!', paint, `blocked [${b.guard}]: ${b.detail}`));
  }
  for (const [title, rows] of reportSections(plan)) if (rows.length > 0) out.push(title, ...rows.map((r) => `  ${r}`), '');
  out.push(summaryLine(plan, paint));
  return out.join('\n');
}

const invitee = (n: { user: string; oktaLogin: string; role: string; resourceGroups: readonly string[] }) =>
  `${n.user} (${n.oktaLogin}) → ${n.role}${n.resourceGroups.length ? `, resource groups: ${n.resourceGroups.join(', ')}` : ''}`;

/** What the plan reports beside its changes: a title and its rows (a section without rows is left out). */
function reportSections(plan: Plan): Array<[string, string[]]> {
  return [
    ['Needs invite (roles mode cannot add people: invite them on the Hub, the next run sets their role):', plan.needsInvite.map(invitee)],
    [
      'Invited through SCIM, waiting for the person to accept (not sent again; the role follows once they join):',
      plan.invited.map(invitee),
    ],
    [
      'Okta users in mapped groups without a Hub username (set the username attribute in Okta):',
      plan.unlinked.map((u) => `${u.oktaLogin} (${u.oktaUserId}) in ${u.groups.join(', ')}`),
    ],
    [
      'Hub usernames claimed by more than one Okta user (left untouched until one claim is removed):',
      plan.conflicts.map((c) => `${c.user}: ${c.oktaUsers.join(', ')}`),
    ],
    [
      'Unmanaged Hub members (no Okta user claims them; left as they are):',
      plan.unmanaged.map((u) => `${u.user} (${u.role}${u.resourceGroups.length ? `; ${u.resourceGroups.join(', ')}` : ''})`),
    ],
    [
      'Okta groups that look like the naming convention but do not parse (ignored):',
      plan.unparsedGroups.map((g) => `${g.group}: ${g.problem}`),
    ],
  ];
}

/** The last line: the counts, as Terraform ends its plan. */
function summaryLine(plan: Plan, paint: (text: string, key: string) => string): string {
  const s = plan.summary;
  const reported = [
    s.blocked && `${s.blocked} blocked`,
    s.needsInvite && `${s.needsInvite} need invite`,
    s.invited && `${s.invited} invited, waiting`,
    s.unlinked && `${s.unlinked} unlinked`,
    s.conflicts && `${s.conflicts} conflicting`,
    s.unmanaged && `${s.unmanaged} unmanaged`,
  ].filter(Boolean);
  return `${paint('Plan:', 'bold')} ${s.add} to add, ${s.change} to change, ${s.remove} to remove.${reported.length ? ` Reported: ${reported.join(', ')}.` : ''}`;
}
