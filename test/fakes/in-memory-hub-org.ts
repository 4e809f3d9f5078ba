import type { Access } from '../../shared/domain/plan.js';
import type { HubAuditEvent } from '../../shared/domain/out-of-band.js';
import type { HubMember, ResourceGroupRef, Role } from '../../shared/domain/types.js';
import type { HubIdentity, HubOrg } from '../../shared/ports/hub-org.js';

type Method = Exclude<keyof HubOrg, 'pace'>;

/**
 * `HubOrg` in memory, for unit tests of the use cases: one organization's members and resource
 * groups a test writes directly. `writes` lists every write in order; `failNext` makes the next
 * call of one method throw (a Hub outage, a 5xx), `beforeNext` runs something just before one
 * (another actor changing the member between a read and a write).
 */
export class InMemoryHubOrg implements HubOrg {
  readonly members = new Map<string, HubMember>();
  readonly resourceGroups: ResourceGroupRef[] = [
    { id: 'a'.repeat(24), name: 'llm' },
    { id: 'b'.repeat(24), name: 'vision' },
  ];
  readonly writes: string[] = [];
  readonly revokedTokens: string[] = [];
  readonly scimUsers = new Map<string, { userName: string; active: boolean }>();
  scimManagedResourceGroups: string[] | null = null;
  auditLog: HubAuditEvent[] = [];
  readonly #failures = new Map<Method, Error>();
  readonly #before = new Map<Method, () => void>();

  member(user: string, role: Role, resourceGroups: HubMember['resourceGroups'] = []): HubMember {
    const m = { user, fullname: user, role, resourceGroups };
    this.members.set(user.toLowerCase(), m);
    return m;
  }

  failNext(method: Method, error: Error): void {
    this.#failures.set(method, error);
  }

  beforeNext(method: Method, act: () => void): void {
    this.#before.set(method, act);
  }

  #call(method: Method): void {
    const act = this.#before.get(method);
    this.#before.delete(method);
    act?.();
    const failure = this.#failures.get(method);
    if (failure) {
      this.#failures.delete(method);
      throw failure;
    }
  }

  pace(): { callsLeft: number | null; waitMs: number; resetInMs: number } {
    return { callsLeft: null, waitMs: 0, resetInMs: 0 };
  }

  async listMembers(): Promise<HubMember[]> {
    this.#call('listMembers');
    return [...this.members.values()].map((m) => structuredClone(m));
  }

  async findMember(username: string): Promise<HubMember | null> {
    this.#call('findMember');
    const m = this.members.get(username.toLowerCase());
    return m ? structuredClone(m) : null;
  }

  async findMemberByEmail(email: string): Promise<HubMember | null> {
    this.#call('findMemberByEmail');
    const found = [...this.members.values()].filter((m) => m.email?.toLowerCase() === email.toLowerCase());
    return found.length === 1 ? structuredClone(found[0]!) : null;
  }

  async listResourceGroups(): Promise<ResourceGroupRef[]> {
    this.#call('listResourceGroups');
    return structuredClone(this.resourceGroups);
  }

  async setAccess(username: string, access: Access): Promise<void> {
    this.#call('setAccess');
    const m = this.members.get(username.toLowerCase());
    if (!m) throw new Error(`${username} is not a member of the organization`);
    this.members.set(username.toLowerCase(), { ...m, role: access.role, resourceGroups: structuredClone(access.resourceGroups) });
    this.writes.push(`set ${username} ${access.role}${access.resourceGroups.map((rg) => ` ${rg.name}:${rg.role}`).join('')}`);
  }

  async revokeOrgToken(tokenId: string): Promise<void> {
    this.#call('revokeOrgToken');
    this.revokedTokens.push(tokenId);
    this.writes.push(`revoke-token ${tokenId}`);
  }

  async whoami(): Promise<HubIdentity> {
    this.#call('whoami');
    return {
      user: 'sync-bot',
      plan: 'enterprise',
      reachesOrg: true,
      roleInOrg: 'admin',
      restrictions: [],
      tokenRole: 'write',
      orgPermissions: [],
    };
  }

  async readAuditLog(types: readonly string[]): Promise<HubAuditEvent[]> {
    this.#call('readAuditLog');
    return this.auditLog.filter((e) => types.includes(e.type));
  }

  async exportAuditLog(): Promise<HubAuditEvent[]> {
    this.#call('exportAuditLog');
    return [...this.auditLog];
  }

  async scimInvite(person: { username: string; email: string }): Promise<void> {
    this.#call('scimInvite');
    this.scimUsers.set(person.username.toLowerCase(), { userName: person.username, active: true });
    this.writes.push(`scim-invite ${person.username}`);
  }

  async listScimUsers(userName?: string): Promise<Array<{ userName: string; active: boolean }>> {
    this.#call('listScimUsers');
    return [...this.scimUsers.values()].filter((u) => userName === undefined || u.userName.toLowerCase() === userName.toLowerCase());
  }

  async listScimManagedResourceGroups(): Promise<string[] | null> {
    this.#call('listScimManagedResourceGroups');
    return this.scimManagedResourceGroups;
  }

  async scimDeactivate(username: string): Promise<void> {
    this.#call('scimDeactivate');
    this.members.delete(username.toLowerCase());
    this.scimUsers.set(username.toLowerCase(), { userName: username, active: false });
    this.writes.push(`scim-deactivate ${username}`);
  }

  async scimDelete(username: string): Promise<void> {
    this.#call('scimDelete');
    this.members.delete(username.toLowerCase());
    this.scimUsers.delete(username.toLowerCase());
    this.writes.push(`scim-delete ${username}`);
  }
}
