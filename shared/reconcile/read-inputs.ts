import type { PlanInputs } from '../domain/compute-plan.js';
import type { OktaRead, PlanScope } from '../domain/plan.js';
import { conventionPrefix, resolveRules } from '../domain/rules.js';
import type { DirectorySnapshot, DirectoryUser, HubMember, HubSnapshot, ManagedMember } from '../domain/types.js';
import { OKTA_USER_ID } from '../domain/okta-event.js';
import { isOktaUserRef, type Directory } from '../ports/directory.js';
import type { HubOrg } from '../ports/hub-org.js';
import type { ManagedMembers } from '../ports/managed-members.js';
import type { IssuedTokens } from '../ports/issued-tokens.js';
import type { DirectorySnapshots } from '../ports/directory-snapshots.js';
import { readDirectory } from './read-directory.js';
import type { Config } from '../runtime/config.js';
import { AppError, IncompleteReadError, describeError } from '../runtime/errors.js';

/**
 * Reads everything a plan needs — Okta, the Hub, our state — and nothing more. Any failure aborts
 * with `IncompleteReadError` before a single write: an empty or partial answer must never read as
 * "everyone left".
 *
 * Organization scope: one group search + the Hub's resource groups, then only the groups that bind
 * to a rule are read page by page, next to the Hub's member list and our managed set.
 * User scope: that person in Okta (their groups and the rules only if their status may grant
 * access), that member on the Hub, their state item; the whole member list only when they are an
 * admin (the last-admin guard needs the count).
 */

export interface ReadPorts {
  directory: Directory;
  hub: HubOrg;
  state: ManagedMembers & IssuedTokens & DirectorySnapshots;
}

async function guarded<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof IncompleteReadError) throw error;
    const hint = error instanceof AppError ? '' : ' (unexpected error)';
    throw new IncompleteReadError(`Reading ${what} failed, so nothing was changed${hint}: ${describeError(error)}`, { cause: error });
  }
}

async function readRules(ports: ReadPorts, config: Config) {
  const org = config.policy.organization;
  const [groups, resourceGroups] = await Promise.all([
    guarded('Okta groups', () =>
      ports.directory.findGroups({
        names: config.rules.map((r) => r.group),
        prefix: config.naming ? conventionPrefix(config.naming, org) : null,
      }),
    ),
    guarded('Hub resource groups', () => ports.hub.listResourceGroups()),
  ]);
  const bound = resolveRules(config.rules, config.naming, org, groups, resourceGroups).rules;
  const mappedIds = new Set(bound.map((r) => r.groupId));
  return { groups, resourceGroups, mapped: groups.filter((g) => mappedIds.has(g.id)) };
}

export interface ReadOptions {
  /**
   * One-person reads: called with every Hub member the person may be, after Okta and our state
   * were read and before the Hub is: the run takes its member holds here (see member-holds.ts).
   */
  beforeHubRead?: (usernames: string[]) => Promise<void>;
  /** Reads the people of one delivery share: made once by the caller, not once per person. */
  shared?: SharedReads;
  /** The run's clock (an organization read's snapshot is dated by it); default the system's. */
  now?: () => Date;
  /**
   * Organization reads: `use` (default) reads a delta of the last snapshot when one serves and
   * saves the new one; `read` uses it but saves nothing (a dry run writes nothing); `none` reads
   * Okta in full and touches no snapshot (the access review, the doctor).
   */
  snapshot?: 'use' | 'read' | 'none';
}

/** What many one-person runs at once (a burst's delivery) read once: the organization's SCIM-managed resource groups from state. */
export interface SharedReads {
  scimManagedResourceGroups: () => Promise<string[] | null>;
}

export async function readInputs(ports: ReadPorts, config: Config, scope: PlanScope, options: ReadOptions = {}): Promise<PlanInputs> {
  const exchangeCredentials = config.credentials.flatMap((c) =>
    c.kind === 'token-exchange' ? [{ name: c.name, subject: c.subject, secret: c.secret }] : [],
  );
  const suspendedCredentials =
    exchangeCredentials.length === 0
      ? []
      : await guarded('hf-iam-sync state', () => ports.state.listSuspendedCredentials(exchangeCredentials.map((c) => c.name)));
  const common = { rules: config.rules, naming: config.naming, policy: config.policy, scope, exchangeCredentials, suspendedCredentials };
  if (scope.kind === 'user') return { ...common, ...(await readOneUser(ports, config, scope.user, options)) };
  const { groups, resourceGroups, mapped } = await readRules(ports, config);
  const now = options.now ?? (() => new Date());
  const [{ directory, read }, members, managed, issuedTokens] = await Promise.all([
    guarded<{ directory: DirectorySnapshot; read?: OktaRead }>('Okta users and group members', () =>
      options.snapshot === 'none'
        ? ports.directory.readOrganization(mapped).then((d) => ({ directory: d, read: undefined }))
        : readDirectory(ports, config, mapped, { full: scope.fullRead === true, now, save: options.snapshot !== 'read' }),
    ),
    guarded('Hub members', () => ports.hub.listMembers()),
    guarded('hf-iam-sync state', () => ports.state.listManaged(config.policy.organization)),
    guarded('issued tokens', () => ports.state.listIssuedTokens(config.policy.organization)),
  ]);
  const [invited, scimGroups] = await Promise.all([pendingInvitations(ports, config, members), scimManaged(ports)]);
  return {
    ...common,
    directory: { ...directory, groups },
    hub: { members, resourceGroups, complete: true, ...(invited ? { invited } : {}), ...scimGroups },
    managed,
    issuedTokens,
    ...(read ? { oktaRead: read } : {}),
  };
}

async function scimManaged(ports: ReadPorts): Promise<Pick<HubSnapshot, 'scimManagedResourceGroups'>> {
  const ids = await guarded('SCIM groups (resource groups the IdP manages)', () => ports.hub.listScimManagedResourceGroups());
  return ids ? { scimManagedResourceGroups: ids } : {};
}

/** scim-basic: SCIM identities that are active but not members are invitations waiting to be accepted. */
async function pendingInvitations(
  ports: ReadPorts,
  config: Config,
  members: readonly HubMember[],
  userName?: string,
): Promise<string[] | undefined> {
  if (config.policy.membership !== 'scim-basic') return undefined;
  const joined = new Set(members.map((m) => m.user.toLowerCase()));
  const scim = await guarded('SCIM users (pending invitations)', () => ports.hub.listScimUsers(userName));
  return scim.filter((u) => u.active && !joined.has(u.userName.toLowerCase())).map((u) => u.userName.toLowerCase());
}

/**
 * One person. Someone whose Okta status grants nothing needs neither their groups nor the rules:
 * the offboarding path is the Okta user, the Hub member, and the change — three calls.
 */
async function readOneUser(
  ports: ReadPorts,
  config: Config,
  ref: string,
  options: ReadOptions,
): Promise<Pick<PlanInputs, 'directory' | 'hub' | 'managed' | 'rulesBound' | 'issuedTokens'>> {
  const read = new OnePersonRead(ports, config, options);
  const org = config.policy.organization;
  // The members our state links to this Okta id are known before Okta answers: they are held and
  // read alongside the Okta read, so an offboarding's path is the longer of those two calls, then
  // the change — not the three one after another.
  const linkedToRef = OKTA_USER_ID.test(ref)
    ? guarded('hf-iam-sync state', () => ports.state.findLinkedMembers(org, ref))
    : Promise.resolve([]);
  const early = linkedToRef.then((names) => read.members(names));
  early.catch(() => undefined);
  const users = await guarded(`Okta user ${ref}`, () => ports.directory.findUsers(ref));
  // State reads that need nothing from the Hub go alongside it. The SCIM-managed resource groups
  // come from state (the last org run recorded them), so the offboarding path stays three Okta/Hub
  // calls; the Hub is asked only when nothing is recorded yet.
  const tokensRead = Promise.all(users.map((u) => guarded('issued tokens', () => ports.state.listIssuedTokens(org, u.id))));
  const scimRead = guarded(
    'hf-iam-sync state',
    () => options.shared?.scimManagedResourceGroups() ?? ports.state.getScimManagedResourceGroups(org),
  );
  tokensRead.catch(() => undefined);
  scimRead.catch(() => undefined);
  const mayBeEntitled = users.filter((u) => config.policy.entitledStatuses.includes(u.status));
  const { directory, resourceGroups } = await read.entitlements(users, mayBeEntitled);
  const usernames = await read.usernames(ref, users, linkedToRef);
  await early;
  await read.members([...usernames]);
  // In a stable order, whatever order the reads answered in.
  const hubMembers = read.hubMembers.sort((a, b) => a.user.localeCompare(b.user));
  const managed = read.managed.sort((a, b) => a.user.localeCompare(b.user));
  const otherAdmins = await read.otherAdmins();
  const issuedTokens = (await tokensRead).flat();
  const invited = mayBeEntitled.length > 0 ? await read.invitations(usernames) : [];
  const known = await scimRead;
  const scimGroups = known ? { scimManagedResourceGroups: known } : await scimManaged(ports);
  return {
    directory,
    hub: { members: hubMembers, resourceGroups, complete: false, otherAdmins, ...(invited.length ? { invited } : {}), ...scimGroups },
    managed,
    rulesBound: mayBeEntitled.length > 0,
    issuedTokens,
  };
}

/** A one-person read's Hub members and state items, each member held (beforeHubRead) before it is read, and read once. */
class OnePersonRead {
  readonly hubMembers: HubMember[] = [];
  readonly managed: ManagedMember[] = [];
  /** Members found by their SSO email: the email that linked them (a name search may not carry it). */
  readonly #byEmail = new Map<string, HubMember>();
  readonly #seen = new Set<string>();
  readonly #org: string;

  constructor(
    readonly ports: ReadPorts,
    readonly config: Config,
    readonly options: ReadOptions,
  ) {
    this.#org = config.policy.organization;
  }

  /** Holds, then reads (Hub member and state item), members not read yet. */
  async members(names: readonly string[]): Promise<void> {
    const fresh = [...new Set(names.filter((n) => !this.#seen.has(n.toLowerCase())))];
    for (const n of fresh) this.#seen.add(n.toLowerCase());
    if (fresh.length === 0) return;
    await this.options.beforeHubRead?.(fresh);
    await Promise.all(
      fresh.map(async (username) => {
        const [member, state] = await Promise.all([
          guarded(`Hub member ${username}`, () => this.ports.hub.findMember(username)),
          guarded('hf-iam-sync state', () => this.ports.state.getManaged(this.#org, username)),
        ]);
        const linkedEmail = member && !member.email ? this.#byEmail.get(member.user.toLowerCase())?.email : undefined;
        if (member) this.hubMembers.push({ ...member, ...(linkedEmail !== undefined ? { email: linkedEmail } : {}) });
        if (state) this.managed.push(state);
      }),
    );
  }

  /** The rules and the person's groups, only when their status may grant access. */
  async entitlements(
    users: DirectoryUser[],
    mayBeEntitled: readonly DirectoryUser[],
  ): Promise<{ directory: DirectorySnapshot; resourceGroups: HubSnapshot['resourceGroups'] }> {
    if (mayBeEntitled.length === 0) return { directory: { groups: [], members: {}, users }, resourceGroups: [] };
    const rules = await readRules(this.ports, this.config);
    const members: Record<string, string[]> = Object.fromEntries(rules.mapped.map((g) => [g.id, [] as string[]]));
    for (const user of mayBeEntitled) {
      const groups = await guarded(`Okta groups of ${user.login}`, () => this.ports.directory.groupsOf(user.id));
      for (const g of groups) members[g.id]?.push(user.id);
    }
    return { directory: { groups: rules.groups, members, users }, resourceGroups: rules.resourceGroups };
  }

  /** Every Hub username the person may be: their attribute, their email's member (by policy), and what our state links to them. */
  async usernames(ref: string, users: readonly DirectoryUser[], linkedToRef: Promise<string[]>): Promise<Set<string>> {
    const usernames = new Set(users.flatMap((u) => (u.hfUsername ? [u.hfUsername] : [])));
    // By policy, someone without the attribute is looked up by their email (one call each); that
    // only names the member, who is read again, once held.
    if (this.config.policy.emailFallback) {
      for (const user of users.filter((u) => !u.hfUsername && u.email)) {
        const member = await guarded(`Hub member with email of ${user.login}`, () => this.ports.hub.findMemberByEmail(user.email));
        if (member) {
          usernames.add(member.user);
          this.#byEmail.set(member.user.toLowerCase(), member);
        }
      }
    }
    // A ref that names no Okta user may still be a Hub username we manage (its Okta user is gone).
    if (usernames.size === 0 && !isOktaUserRef(ref)) usernames.add(ref);
    // Members our state links to this person: under a name their attribute no longer holds, or
    // after their Okta user was deleted (then `ref` is the only id left). Each is managed and,
    // unclaimed now, loses access.
    const others = [...new Set(users.map((u) => u.id))].filter((id) => id !== ref);
    const links = [
      await linkedToRef,
      ...(await Promise.all(others.map((id) => guarded('hf-iam-sync state', () => this.ports.state.findLinkedMembers(this.#org, id))))),
    ].flat();
    for (const linked of links) {
      if (![...usernames].some((u) => u.toLowerCase() === linked.toLowerCase())) usernames.add(linked);
    }
    return usernames;
  }

  /** An admin's removal needs the count of the other admins (the last-admin guard): the whole member list, then only. */
  async otherAdmins(): Promise<string[]> {
    if (!this.hubMembers.some((m) => m.role === 'admin')) return [];
    const all = await guarded('Hub members', () => this.ports.hub.listMembers());
    const inScope = new Set(this.hubMembers.map((m) => m.user.toLowerCase()));
    return all.filter((m) => m.role === 'admin' && !inScope.has(m.user.toLowerCase())).map((m) => m.user);
  }

  /** scim-basic: the person's pending invitations, for usernames that are not members yet. */
  async invitations(usernames: ReadonlySet<string>): Promise<string[]> {
    const invited: string[] = [];
    for (const username of [...usernames].filter((u) => !this.hubMembers.some((m) => m.user.toLowerCase() === u.toLowerCase()))) {
      invited.push(...((await pendingInvitations(this.ports, this.config, this.hubMembers, username)) ?? []));
    }
    return invited;
  }
}
