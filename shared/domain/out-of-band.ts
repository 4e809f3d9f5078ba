/**
 * Out-of-band changes: membership changes in the Hub's own audit log that hf-iam-sync did not
 * make — someone changed a role on the website, or another tool did. The next reconcile reverts
 * whatever disagrees with Okta; this says who did it and when.
 */

export interface HubAuditEvent {
  id: string;
  at: string;
  type: string;
  author: string;
  message: string;
  data: unknown;
  /** The last four characters of the access token the action was made with, when the event says. */
  tokenLast4?: string | null;
  /** The event exactly as the export gave it (an audit record keeps it whole). */
  raw?: Record<string, unknown>;
}

/**
 * The audit-log types (from the export's enum in the Hub's OpenAPI) that change who is in the
 * organization or what they reach: role and resource-group changes, and people joining or leaving
 * by themselves (leaving, joining from a verified domain or automatically, through SSO, accepting
 * an invitation).
 */
export const MEMBERSHIP_EVENT_TYPES: readonly string[] = [
  'org.add_user',
  'org.change_role',
  'org.invite_user',
  'org.remove_user',
  'org.leave',
  'org.join.from_domain',
  'org.join.automatic',
  'org.sso_join',
  'org.invite.accept',
  'resource_group.add_users',
  'resource_group.remove_users',
  'resource_group.change_role',
];

/**
 * Membership events at or after `since`, by anyone but `ourUser` (the Hub user whose token
 * hf-iam-sync uses), oldest first.
 * @example detectOutOfBand(events, { since: '2026-11-01T00:00:00.000Z', ourUser: 'hf-iam-sync-bot' })
 */
export function detectOutOfBand(events: readonly HubAuditEvent[], options: { since: string; ourUser: string }): HubAuditEvent[] {
  const ours = options.ourUser.toLowerCase();
  return events
    .filter((e) => MEMBERSHIP_EVENT_TYPES.includes(e.type) && e.at >= options.since && e.author.toLowerCase() !== ours)
    .sort((a, b) => a.at.localeCompare(b.at));
}
