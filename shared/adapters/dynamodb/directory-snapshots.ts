import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DirectoryGroup, DirectoryUser, OktaStatus } from '../../domain/types.js';
import type { DirectorySnapshotHeader, DirectorySnapshots, NewSnapshotHeader, SnapshotDirectory } from '../../ports/directory-snapshots.js';
import { mapLimit } from '../../runtime/map-limit.js';
import { pad, unkeyed, type TableOps } from './table-ops.js';

/**
 * Directory snapshots on the table:
 *
 *   DIRECTORY#{org}               / SNAPSHOT    the header: which snapshot, Okta as of when, the last full read (written last)
 *   DIRECTORY#{org}#{snapshotId}  / CHUNK#{n}   its records, in chunks under 300 KB (TTL 35 days)
 *
 * A header is replaced only by a snapshot whose read began later; the replaced snapshot's chunks
 * are deleted after the switch (a reader that meets a missing chunk reads Okta in full instead).
 */

/** Compact records: a group, a slice of a group's members, a user (no raw SDK objects, no repeated keys). */
type SnapshotRecord =
  | ['g', string, string, number | null, string | null]
  | ['m', string, string[]]
  | ['u', string, string, string, string, string | null, string, string | null, string | null];

const CHUNK_CHARS = 300_000;
const MEMBERS_PER_RECORD = 5_000;
const CHUNK_TTL_SECONDS = 35 * 86_400;

/** A snapshot as chunks of JSON text, each under 300 KB (a DynamoDB item holds 400 KB). */
export function encodeSnapshot(directory: SnapshotDirectory): string[] {
  const records: SnapshotRecord[] = [];
  for (const g of directory.groups) {
    records.push(['g', g.id, g.name, g.usersCount ?? null, g.membershipUpdated ?? null]);
    const members = directory.members[g.id] ?? [];
    for (let i = 0; i < members.length; i += MEMBERS_PER_RECORD) records.push(['m', g.id, members.slice(i, i + MEMBERS_PER_RECORD)]);
  }
  for (const u of directory.users) {
    records.push(['u', u.id, u.login, u.email, u.status, u.hfUsername, u.displayName, u.givenName ?? null, u.familyName ?? null]);
  }
  const chunks: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const record of records) {
    const text = JSON.stringify(record);
    if (current.length > 0 && length + text.length > CHUNK_CHARS) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      length = 0;
    }
    current.push(text);
    length += text.length + 1;
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

export function decodeSnapshot(chunks: readonly string[]): SnapshotDirectory {
  const groups: DirectoryGroup[] = [];
  const members: Record<string, string[]> = {};
  const users: DirectoryUser[] = [];
  for (const chunk of chunks) {
    for (const record of JSON.parse(chunk) as SnapshotRecord[]) {
      if (record[0] === 'g') {
        const [, id, name, usersCount, membershipUpdated] = record;
        groups.push({ id, name, ...(usersCount !== null ? { usersCount } : {}), ...(membershipUpdated ? { membershipUpdated } : {}) });
        members[id] ??= [];
      } else if (record[0] === 'm') {
        (members[record[1]] ??= []).push(...record[2]);
      } else {
        const [, id, login, email, status, hfUsername, displayName, givenName, familyName] = record;
        users.push({
          id,
          login,
          email,
          status: status as OktaStatus,
          hfUsername,
          displayName,
          ...(givenName !== null ? { givenName } : {}),
          ...(familyName !== null ? { familyName } : {}),
        });
      }
    }
  }
  return { groups, members, users };
}

export class DynamoDbDirectorySnapshots implements DirectorySnapshots {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
  }

  async getDirectorySnapshot(organization: string): Promise<{ header: DirectorySnapshotHeader; directory: SnapshotDirectory } | null> {
    const item = await this.#ops.get(`DIRECTORY#${organization}`, 'SNAPSHOT');
    if (!item) return null;
    const header = unkeyed<DirectorySnapshotHeader & { ttl?: number }>(item);
    const chunks = await this.#ops.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :chunk)',
        ExpressionAttributeValues: { ':pk': `DIRECTORY#${organization}#${header.snapshotId}`, ':chunk': 'CHUNK#' },
        ConsistentRead: true,
      },
      `read ${organization}'s directory snapshot`,
      header.chunks,
    );
    if (chunks.length !== header.chunks) return null;
    return { header, directory: decodeSnapshot(chunks.map((c) => String(c.records))) };
  }

  async putDirectorySnapshot(header: NewSnapshotHeader, directory: SnapshotDirectory): Promise<boolean> {
    const chunks = encodeSnapshot(directory);
    const ttl = Math.floor(Date.parse(header.readStartedAt) / 1000) + CHUNK_TTL_SECONDS;
    const pk = `DIRECTORY#${header.organization}#${header.snapshotId}`;
    await mapLimit(
      chunks.map((records, index) => ({ records, index })),
      8,
      ({ records, index }) =>
        this.#ops.put(
          { pk, sk: `CHUNK#${pad(index)}`, records, ttl },
          `store chunk ${index} of ${header.organization}'s directory snapshot`,
        ),
    );
    const full: DirectorySnapshotHeader = {
      ...header,
      chunks: chunks.length,
      groups: directory.groups.length,
      users: directory.users.length,
    };
    let previous: Record<string, unknown> | undefined;
    try {
      // The header it replaces comes back with the write (ALL_OLD): its chunks are dropped next.
      const answer = await this.#ops.doc.send(
        new PutCommand({
          TableName: this.#ops.table,
          Item: { pk: `DIRECTORY#${header.organization}`, sk: 'SNAPSHOT', ...full },
          ConditionExpression: 'attribute_not_exists(pk) OR readStartedAt < :started',
          ExpressionAttributeValues: { ':started': header.readStartedAt },
          ReturnValues: 'ALL_OLD',
        }),
      );
      previous = answer.Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.#ops.wrap(`store ${header.organization}'s directory snapshot`, error);
    }
    if (previous && previous.snapshotId !== header.snapshotId) await this.#dropChunks(header.organization, previous);
    return true;
  }

  async advanceDirectorySnapshot(organization: string, snapshotId: string, readStartedAt: string): Promise<boolean> {
    try {
      await this.#ops.doc.send(
        new UpdateCommand({
          TableName: this.#ops.table,
          Key: { pk: `DIRECTORY#${organization}`, sk: 'SNAPSHOT' },
          UpdateExpression: 'SET readStartedAt = :started',
          ConditionExpression: 'snapshotId = :id AND readStartedAt < :started',
          ExpressionAttributeValues: { ':id': snapshotId, ':started': readStartedAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.#ops.wrap(`advance ${organization}'s directory snapshot`, error);
    }
  }

  /** The replaced snapshot's chunks: best effort (their TTL removes what a failed delete leaves). */
  async #dropChunks(organization: string, previous: Record<string, unknown>): Promise<void> {
    const pk = `DIRECTORY#${organization}#${String(previous.snapshotId)}`;
    const count = Number(previous.chunks ?? 0);
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      8,
      (index) => this.#ops.delete(pk, `CHUNK#${pad(index)}`, `drop chunk ${index} of a replaced directory snapshot`).catch(() => undefined),
    );
  }
}
