import type { HubStandIn } from '../sandbox/hub/hub-stand-in.js';
import type { OktaStandIn } from '../sandbox/okta/okta-stand-in.js';

/**
 * A synthetic company for the benchmark: `users` Okta users in `groups` mapped groups (10 org-role
 * groups, the rest resource-group groups), each person in one or two groups, and a Hub org with
 * the same people where about `driftPercent`% miss their resource group and 1% left the company.
 * Deterministic: the same arguments build the same org.
 */

const ORG_ROLES = ['admin', 'write', 'contributor', 'read'] as const;

function groupRule(g: number): { group: string; role: string; resourceGroup?: string } {
  return g < 10
    ? { group: `team-${g}`, role: g === 0 ? 'admin' : ORG_ROLES[1 + (g % 3)]! }
    : { group: `rg-team-${g}`, role: ORG_ROLES[1 + (g % 3)]!, resourceGroup: `rg-${g}` };
}

export function seedSyntheticOrg(
  okta: OktaStandIn,
  hub: HubStandIn,
  options: { users: number; groups: number; driftPercent: number },
): void {
  const groupIds = Array.from({ length: options.groups }, (_, g) => okta.addGroup(groupRule(g).group).id);
  for (let g = 10; g < options.groups; g += 1) hub.addResourceGroup(`rg-${g}`);
  hub.addMember('root-admin', 'admin');
  for (let i = 0; i < options.users; i += 1) {
    const status = i % 100 === 99 ? 'DEPROVISIONED' : 'ACTIVE';
    const user = okta.addUser({ login: `user${i}@bench.example`, status, profile: { hfUsername: `user${i}` } });
    // Everyone is in one resource-group group; a third are also in an org-role group.
    const first = 10 + (i % (options.groups - 10));
    okta.addToGroup(groupIds[first]!, user.id);
    if (i % 3 === 0) okta.addToGroup(groupIds[1 + (i % 9)]!, user.id);
    const drifted = (i * 7919) % 100 < options.driftPercent;
    const rgRule = groupRule(first);
    const orgRole = i % 3 === 0 ? groupRule(1 + (i % 9)).role : 'read';
    // Drift: the resource group is missing (an upgrade to make); leavers keep their access (removals).
    hub.addMember(`user${i}`, orgRole, drifted ? {} : { [rgRule.resourceGroup!]: rgRule.role });
  }
}

export function syntheticConfig(oktaUrl: string, hubUrl: string, groups: number): string {
  const rules = Array.from({ length: groups }, (_, g) => groupRule(g)).map(
    (r) => `  - { group: ${r.group}, role: ${r.role}${r.resourceGroup ? `, resourceGroup: ${r.resourceGroup}` : ''} }`,
  );
  return [
    'organization: acme',
    `okta: { orgUrl: "${oktaUrl}" }`,
    `huggingface: { endpoint: "${hubUrl}", membership: roles }`,
    'rules:',
    ...rules,
    'safety: { maxRemovals: "5%", protectedUsers: [root-admin] }',
    '',
  ].join('\n');
}
