import { describe, expect, it } from 'vitest';
import { conventionPrefix, resolveRules } from '../../../shared/domain/rules.js';

const naming = { org: 'hf-{org}-{role}', resourceGroup: 'hf-{org}-rg-{resourceGroup}-{role}' };
const groups = (...names: string[]) => names.map((name, i) => ({ id: `g${i}`, name }));
const rgs = [
  { id: 'a'.repeat(24), name: 'llm' },
  { id: 'b'.repeat(24), name: 'multi-part-name' },
];

describe('resolveRules with the naming convention', () => {
  it.each([
    ['hf-acme-admin', { role: 'admin', resourceGroupId: null }],
    ['HF-ACME-Write', { role: 'write', resourceGroupId: null }],
    ['hf-acme-rg-llm-read', { role: 'read', resourceGroup: 'llm' }],
    ['hf-acme-rg-multi-part-name-contributor', { role: 'contributor', resourceGroup: 'multi-part-name' }],
  ])('parses %s', (name, expected) => {
    const { rules, unparsedGroups } = resolveRules([], naming, 'acme', groups(name), rgs);
    expect(unparsedGroups).toEqual([]);
    expect(rules).toEqual([expect.objectContaining({ ...expected, source: 'convention', group: name })]);
  });

  it.each([
    ['hf-acme-writer', '"writer" is not a role'],
    ['hf-acme-rg-llm-owner', '"owner" is not a role'],
    ['hf-acme-rg-llm', 'matches neither'],
    ['hf-acme-no_access', '"no_access" is not a role'],
  ])('reports %s as not parsing', (name, problem) => {
    const { rules, unparsedGroups } = resolveRules([], naming, 'acme', groups(name), rgs);
    expect(rules).toEqual([]);
    expect(unparsedGroups[0]?.problem).toContain(problem);
  });

  it('ignores groups outside the convention prefix', () => {
    expect(resolveRules([], naming, 'acme', groups('engineering', 'hf-other-write'), rgs)).toMatchObject({ rules: [], unparsedGroups: [] });
  });

  it('warns and drops a convention group naming a missing resource group', () => {
    const { rules, diagnostics } = resolveRules([], naming, 'acme', groups('hf-acme-rg-ghost-write'), rgs);
    expect(rules).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'convention-resource-group-missing' })]);
  });

  it('merges explicit rules and the convention without duplicates', () => {
    const { rules, managedResourceGroups } = resolveRules(
      [{ group: 'hf-acme-rg-llm-write', role: 'write', resourceGroup: 'llm', source: 'config' }],
      naming,
      'acme',
      groups('hf-acme-rg-llm-write'),
      rgs,
    );
    expect(rules).toHaveLength(1);
    expect([...managedResourceGroups]).toEqual(['llm']);
  });

  it('derives the shared search prefix from both patterns', () => {
    expect(conventionPrefix(naming, 'acme')).toBe('hf-acme-');
    expect(conventionPrefix({ org: 'hf_{org}_{role}', resourceGroup: 'hfrg_{org}_{resourceGroup}_{role}' }, 'x')).toBe('hf');
  });
});
