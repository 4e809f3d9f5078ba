import type { Diagnostic, UnparsedGroup } from './plan.js';
import { GRANTABLE_ROLES, type DirectoryGroup, type GrantableRole, type ResourceGroupRef, type Rule } from './types.js';

/**
 * Turns the configured rules and naming convention into rules bound to real Okta groups and Hub
 * resource groups. Matching is case-insensitive on both sides (Okta and the Hub treat names so).
 *
 * Failure semantics, chosen so that a typo can never read as "everyone left":
 * - an explicit rule whose Okta group or Hub resource group does not exist is an *error* — the plan
 *   is errored and apply refuses it;
 * - a convention group naming a resource group the Hub lacks is a *warning*, and that rule is
 *   dropped (there is nobody in a missing resource group to take out);
 * - a group that starts like the convention but does not parse is reported, never guessed.
 */

export interface NamingConvention {
  /** e.g. `hf-{org}-{role}` */
  org: string;
  /** e.g. `hf-{org}-rg-{resourceGroup}-{role}` */
  resourceGroup: string;
}

export interface BoundRule extends Rule {
  groupId: string;
  resourceGroupId: string | null;
}

export interface ResolvedRules {
  rules: BoundRule[];
  /** Lower-cased names of the resource groups some rule names: only these are managed. */
  managedResourceGroups: Set<string>;
  unparsedGroups: UnparsedGroup[];
  diagnostics: Diagnostic[];
}

const ROLE_LIST = GRANTABLE_ROLES.join(', ');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function patternToRegExp(pattern: string, org: string): RegExp {
  const source = pattern
    .split(/(\{org\}|\{role\}|\{resourceGroup\})/)
    .map((part) => {
      if (part === '{org}') return escapeRegExp(org);
      if (part === '{role}') return '(?<role>[A-Za-z_]+)';
      if (part === '{resourceGroup}') return '(?<resourceGroup>.+)';
      return escapeRegExp(part);
    })
    .join('');
  return new RegExp(`^${source}$`, 'i');
}

/**
 * The literal start every convention group shares once `{org}` is filled in; the Okta adapter
 * searches with it. @example conventionPrefix({org: 'hf-{org}-{role}', …}, 'acme') === 'hf-acme-'
 */
export function conventionPrefix(naming: NamingConvention, org: string): string {
  const prefixOf = (p: string) => p.slice(0, p.search(/\{(role|resourceGroup)\}/)).replaceAll('{org}', org);
  const a = prefixOf(naming.org);
  const b = prefixOf(naming.resourceGroup);
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.toLowerCase() === b[i]!.toLowerCase()) i += 1;
  return a.slice(0, i);
}

function parseConventionGroup(
  name: string,
  naming: NamingConvention,
  org: string,
): { rule: Omit<Rule, 'group' | 'source'> } | { problem: string } {
  for (const regex of [patternToRegExp(naming.resourceGroup, org), patternToRegExp(naming.org, org)]) {
    const match = regex.exec(name);
    if (!match?.groups) continue;
    const role = match.groups.role!.toLowerCase();
    if (!(GRANTABLE_ROLES as readonly string[]).includes(role)) {
      return { problem: `"${match.groups.role}" is not a role (expected one of ${ROLE_LIST})` };
    }
    const resourceGroup = match.groups.resourceGroup;
    return { rule: resourceGroup ? { role: role as GrantableRole, resourceGroup } : { role: role as GrantableRole } };
  }
  return { problem: `matches neither "${naming.org}" nor "${naming.resourceGroup}"` };
}

/**
 * Binds rules to groups. `groups` are the Okta groups the directory found for the explicit names
 * and the convention prefix; `resourceGroups` are the Hub's.
 * @example resolveRules([{group: 'eng', role: 'write', source: 'config'}], null, 'acme', [{id: '00g1', name: 'eng'}], [])
 */
export function resolveRules(
  explicit: readonly Rule[],
  naming: NamingConvention | null,
  org: string,
  groups: readonly DirectoryGroup[],
  resourceGroups: readonly ResourceGroupRef[],
): ResolvedRules {
  const diagnostics: Diagnostic[] = [];
  const unparsedGroups: UnparsedGroup[] = [];
  const groupsByName = new Map<string, DirectoryGroup[]>();
  for (const group of groups) {
    const key = group.name.toLowerCase();
    groupsByName.set(key, [...(groupsByName.get(key) ?? []), group]);
  }
  const rgByName = new Map(resourceGroups.map((rg) => [rg.name.toLowerCase(), rg]));
  const rules: BoundRule[] = [];
  const seen = new Set<string>();
  const add = (rule: Rule, group: DirectoryGroup, rg: ResourceGroupRef | undefined) => {
    const key = `${group.id}|${rg?.id ?? ''}|${rule.role}`;
    if (seen.has(key)) return;
    seen.add(key);
    rules.push({
      ...rule,
      group: group.name,
      groupId: group.id,
      resourceGroupId: rg?.id ?? null,
      ...(rg ? { resourceGroup: rg.name } : {}),
    });
  };

  for (const rule of explicit) {
    const bound = bindExplicit(rule, groupsByName, rgByName);
    if ('diagnostic' in bound) diagnostics.push(bound.diagnostic);
    else for (const group of bound.groups) add(rule, group, bound.rg);
  }
  if (naming) {
    const prefix = conventionPrefix(naming, org).toLowerCase();
    for (const group of groups) {
      if (!group.name.toLowerCase().startsWith(prefix)) continue;
      const bound = bindConvention(group, naming, org, rgByName);
      if ('problem' in bound) unparsedGroups.push({ group: group.name, problem: bound.problem });
      else if ('diagnostic' in bound) diagnostics.push(bound.diagnostic);
      else add(bound.rule, group, bound.rg);
    }
  }

  const managedResourceGroups = new Set(rules.flatMap((r) => (r.resourceGroup === undefined ? [] : [r.resourceGroup.toLowerCase()])));
  return { rules, managedResourceGroups, unparsedGroups, diagnostics };
}

/** A configured rule's Okta groups and resource group, or why it binds nothing (an error: the run stops). */
function bindExplicit(
  rule: Rule,
  groupsByName: ReadonlyMap<string, DirectoryGroup[]>,
  rgByName: ReadonlyMap<string, ResourceGroupRef>,
): { groups: DirectoryGroup[]; rg: ResourceGroupRef | undefined } | { diagnostic: Diagnostic } {
  const groups = groupsByName.get(rule.group.toLowerCase()) ?? [];
  const rg = rule.resourceGroup === undefined ? undefined : rgByName.get(rule.resourceGroup.toLowerCase());
  if (groups.length === 0) {
    return {
      diagnostic: {
        severity: 'error',
        code: 'rule-group-missing',
        summary: `Rule group "${rule.group}" does not exist in Okta`,
        detail: `Fix the group name in rules[] or create the group in Okta. Until then nobody's access is derived from this rule, so the run stops rather than read it as "everyone left".`,
      },
    };
  }
  if (rule.resourceGroup !== undefined && !rg) {
    return {
      diagnostic: {
        severity: 'error',
        code: 'rule-resource-group-missing',
        summary: `Resource group "${rule.resourceGroup}" (rule for group "${rule.group}") does not exist on the Hub`,
        detail: `Create the resource group in the organization's settings on the Hub, or fix rules[].resourceGroup.`,
      },
    };
  }
  return { groups, rg };
}

/** The rule an Okta group's name gives under the naming convention, or why it gives none. */
function bindConvention(
  group: DirectoryGroup,
  naming: NamingConvention,
  org: string,
  rgByName: ReadonlyMap<string, ResourceGroupRef>,
): { rule: Rule; rg: ResourceGroupRef | undefined } | { problem: string } | { diagnostic: Diagnostic } {
  const parsed = parseConventionGroup(group.name, naming, org);
  if ('problem' in parsed) return { problem: parsed.problem };
  const rg = parsed.rule.resourceGroup === undefined ? undefined : rgByName.get(parsed.rule.resourceGroup.toLowerCase());
  if (parsed.rule.resourceGroup !== undefined && !rg) {
    return {
      diagnostic: {
        severity: 'warning',
        code: 'convention-resource-group-missing',
        summary: `Okta group "${group.name}" names resource group "${parsed.rule.resourceGroup}", which does not exist on the Hub`,
        detail: 'The group is ignored until the resource group exists; create it on the Hub or rename the Okta group.',
      },
    };
  }
  return { rule: { group: group.name, source: 'convention', ...parsed.rule }, rg };
}
