import type { ManagedMember } from '../../domain/types.js';
import type { ManagedMembers } from '../../ports/managed-members.js';
import { mapLimit } from '../../runtime/map-limit.js';
import type { TableOps } from './table-ops.js';

/**
 * What we manage, on the table:
 *
 *   ORG#{org}    / MEMBER#{user}          a managed member (lower-cased username)
 *   OKTA#{id}    / LINK#{org}#{user}      its identity link, kept after the link moves
 *   ORG#{org}    / SCIMGROUPS             the SCIM-managed resource groups
 */
export class DynamoDbManagedMembers implements ManagedMembers {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
  }

  async listManaged(organization: string): Promise<ManagedMember[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `ORG#${organization}`, ':prefix': 'MEMBER#' },
      },
      'list managed members',
      Number.POSITIVE_INFINITY,
    );
    return items.map((item) => managedOf(item));
  }

  async getManaged(organization: string, user: string): Promise<ManagedMember | null> {
    const item = await this.#ops.get(`ORG#${organization}`, `MEMBER#${user.toLowerCase()}`);
    return item ? managedOf(item) : null;
  }

  async saveManaged(organization: string, members: readonly ManagedMember[]): Promise<void> {
    const puts = members.flatMap((member) => memberItems(organization, member).map((Item) => ({ PutRequest: { Item } })));
    // 25 items a request (BatchWriteItem's most), four requests at a time.
    const requests = Array.from({ length: Math.ceil(puts.length / 25) }, (_, i) => puts.slice(i * 25, i * 25 + 25));
    await mapLimit(requests, 4, (batch) =>
      this.#ops.batchWrite(
        batch,
        `save ${members.length} managed member(s) of ${organization}`,
        (left) =>
          `the table left ${left} managed-member item(s) of ${organization} unwritten after five attempts; the next run writes them again`,
      ),
    );
  }

  async findLinkedMembers(organization: string, oktaUserId: string): Promise<string[]> {
    const items = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `OKTA#${oktaUserId}`, ':prefix': `LINK#${organization}#` },
      },
      'find the members linked to an Okta user',
      Number.POSITIVE_INFINITY,
    );
    return items.map((item) => String(item.user));
  }

  async getScimManagedResourceGroups(organization: string): Promise<string[] | null> {
    const item = await this.#ops.get(`ORG#${organization}`, 'SCIMGROUPS');
    return Array.isArray(item?.ids) ? (item.ids as string[]) : null;
  }

  async putScimManagedResourceGroups(organization: string, ids: readonly string[], now: Date): Promise<void> {
    await this.#ops.put(
      { pk: `ORG#${organization}`, sk: 'SCIMGROUPS', ids: [...ids], updatedAt: now.toISOString() },
      'save SCIM-managed resource groups',
    );
  }
}

/**
 * The member and, when there is one, the identity link, kept even after the Okta user names
 * another Hub account or disappears: how a one-person run finds the members that person had.
 */
export function memberItems(organization: string, member: ManagedMember): Array<Record<string, unknown>> {
  return [
    { pk: `ORG#${organization}`, sk: `MEMBER#${member.user.toLowerCase()}`, ...member },
    ...(member.oktaUserId
      ? [{ pk: `OKTA#${member.oktaUserId}`, sk: `LINK#${organization}#${member.user.toLowerCase()}`, organization, user: member.user }]
      : []),
  ];
}

/** A managed member as the table holds it. */
export function managedOf(item: Record<string, unknown>): ManagedMember {
  return {
    user: String(item.user),
    oktaUserId: (item.oktaUserId as string | undefined) ?? null,
    role: item.role as ManagedMember['role'],
    resourceGroups: (item.resourceGroups as ManagedMember['resourceGroups'] | undefined) ?? [],
    lastSyncedAt: String(item.lastSyncedAt),
    ...(item.removed ? { removed: item.removed as NonNullable<ManagedMember['removed']> } : {}),
  };
}
