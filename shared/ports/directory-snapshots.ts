import type { DirectorySnapshot } from '../domain/types.js';

/**
 * What a complete read of Okta saw, kept so that the next run reads only what moved since
 * (shared/reconcile/read-directory.ts). The header names the chunks and is written last: a
 * snapshot whose header exists is complete, and a run killed while writing one leaves the
 * previous header — and the previous snapshot — in place.
 */
export interface DirectorySnapshotHeader {
  organization: string;
  /** Names the snapshot's chunks (a new id for each snapshot written). */
  snapshotId: string;
  /** When the read it holds began (ISO): Okta as of then. The next delta asks for what changed since. */
  readStartedAt: string;
  /** When the last full read in its line began: the age that calls for the next full read. */
  fullReadAt: string;
  /** sha256 of what decides which groups and attribute are read (the rules, the naming convention, the username attribute). */
  rulesKey: string;
  chunks: number;
  groups: number;
  users: number;
}

/** A header as a writer gives it: the store counts the chunks, groups and users. */
export type NewSnapshotHeader = Omit<DirectorySnapshotHeader, 'chunks' | 'groups' | 'users'>;

/** The mapped groups (with Okta's `lastMembershipUpdated`), their members, and the users a plan reads. */
export type SnapshotDirectory = DirectorySnapshot;

export interface DirectorySnapshots {
  /** The organization's latest complete snapshot; null when there is none, or a chunk of it is gone. */
  getDirectorySnapshot(organization: string): Promise<{ header: DirectorySnapshotHeader; directory: SnapshotDirectory } | null>;
  /**
   * Writes a snapshot: every chunk, then the header. False (nothing replaced) when the stored
   * snapshot began reading at or after this one did: a newer read is never overwritten by an older.
   */
  putDirectorySnapshot(header: NewSnapshotHeader, directory: SnapshotDirectory): Promise<boolean>;
  /**
   * Moves the stored snapshot's `readStartedAt` on, when a delta read found nothing different: the
   * same chunks now hold Okta as of `readStartedAt`. False when the stored snapshot is no longer `snapshotId`.
   */
  advanceDirectorySnapshot(organization: string, snapshotId: string, readStartedAt: string): Promise<boolean>;
}
