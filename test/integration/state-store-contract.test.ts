import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCredentialStore } from '../../shared/adapters/dynamodb/credential-store.js';
import { dynamoDbStateStore } from '../../shared/adapters/dynamodb/dynamodb-state-store.js';
import type { CredentialStore } from '../../shared/ports/credential-store.js';
import type { ChangeRecord } from '../../shared/ports/audit-trail.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { InMemoryCredentialStore, InMemoryTable, inMemoryStateStore } from '../fakes/in-memory-state.js';
import { contractBackends } from '../helpers/contract-backends.js';
import { LeaseHeldError } from '../../shared/runtime/errors.js';
import { LeaseLostError } from '../../shared/runtime/errors.js';

/**
 * The state store's contract, run against dynalite (in-process, what the CLI embeds), against
 * AWS's own DynamoDB Local (Java) and against the in-memory stores the unit tests use: conditional
 * writes, leases, both audit indexes, event claims, credential state. What passes on the two
 * servers is what we rely on in DynamoDB; the fakes may promise nothing more.
 */

type Stores = { state: StateStore; credentials: CredentialStore; stop: () => Promise<void> };
const backends = contractBackends(
  (doc, table) => ({
    state: dynamoDbStateStore(doc, table),
    credentials: new DynamoDbCredentialStore(doc, table) as CredentialStore,
  }),
  () => {
    // The unit tests' stores: one table for both, as in DynamoDB.
    const table = new InMemoryTable();
    return { state: inMemoryStateStore(table), credentials: new InMemoryCredentialStore(table) as CredentialStore };
  },
);

for (const server of backends) {
  const title = server.skip ? `state store on ${server.name} (skipped: ${server.skip})` : `state store on ${server.name}`;
  describe.skipIf(server.skip !== null)(title, () => {
    let stores: Stores;
    let state: StateStore;
    let credentials: CredentialStore;
    const t0 = Date.parse('2026-11-29T12:00:00Z');
    const at = (s: number) => new Date(t0 + s * 1000);

    beforeAll(async () => {
      stores = await server.start();
      ({ state, credentials } = stores);
    }, 60_000);
    afterAll(async () => {
      await stores?.stop();
    });

    it('answers checkReachable once the table is active', async () => {
      await expect(state.checkReachable()).resolves.toBeUndefined();
    });

    it('leases: held, renewed only by the holder, lost to a takeover after expiry, released only by the holder', async () => {
      await state.acquireLease('acme', 'run-a', 60_000, at(0));
      await expect(state.acquireLease('acme', 'run-b', 60_000, at(30))).rejects.toMatchObject({ name: 'LeaseHeldError', holder: 'run-a' });
      await state.renewLease('acme', 'run-a', 60_000, at(50));
      await expect(state.acquireLease('acme', 'run-b', 60_000, at(100))).rejects.toBeInstanceOf(LeaseHeldError);
      await state.acquireLease('acme', 'run-b', 60_000, at(200)); // run-a's lease expired at 110 s
      await expect(state.renewLease('acme', 'run-a', 60_000, at(201))).rejects.toBeInstanceOf(LeaseLostError);
      await state.releaseLease('acme', 'run-a'); // not the holder: nothing happens
      await expect(state.acquireLease('acme', 'run-c', 60_000, at(202))).rejects.toMatchObject({ holder: 'run-b' });
      await state.releaseLease('acme', 'run-b');
      await state.acquireLease('acme', 'run-c', 60_000, at(203));
      await state.releaseLease('acme', 'run-c');
    });

    it('member holds: one holder at a time; an older decision is refused after a newer one; the read time survives the release', async () => {
      expect(await state.holdMember('acme', 'Grace-H', 'org-run', 15_000, at(0), t0 - 60_000)).toBe('held');
      expect(await state.holdMember('acme', 'grace-h', 'event-run', 15_000, at(1), t0)).toEqual({
        heldBy: 'org-run',
        until: at(15).toISOString(),
      });
      await state.renewMemberHold('acme', 'grace-h', 'org-run', 15_000, at(10));
      await expect(state.renewMemberHold('acme', 'grace-h', 'event-run', 15_000, at(10))).rejects.toBeInstanceOf(LeaseLostError);
      await state.releaseMemberHold('acme', 'grace-h', 'event-run'); // not its hold: nothing happens
      expect(await state.holdMember('acme', 'grace-h', 'event-run', 15_000, at(11), t0)).toEqual({
        heldBy: 'org-run',
        until: at(25).toISOString(),
      });
      await state.releaseMemberHold('acme', 'grace-h', 'org-run');
      expect(await state.holdMember('acme', 'grace-h', 'event-run', 15_000, at(12), t0)).toBe('held');
      await state.releaseMemberHold('acme', 'grace-h', 'event-run');
      // The org run read before the event run did: its decision is older and is refused.
      expect(await state.holdMember('acme', 'grace-h', 'org-run', 15_000, at(13), t0 - 60_000)).toEqual({
        decidedAtMs: t0,
        by: 'event-run',
      });
      expect(await state.holdMember('acme', 'grace-h', 'later-run', 15_000, at(14), t0 + 1)).toBe('held');
      // A holder that died: taken over once its time ran out.
      expect(await state.holdMember('acme', 'grace-h', 'next-run', 15_000, at(30), t0 + 2)).toBe('held');
      expect(await state.holdMember('acme', 'linus-t', 'org-run', 15_000, at(30), t0 - 60_000)).toBe('held'); // members are independent
      // The same owner takes its own hold again (the retry of a killed batch), still not with an older read.
      expect(await state.holdMember('acme', 'linus-t', 'org-run', 15_000, at(31), t0 - 59_000)).toBe('held');
      expect(await state.holdMember('acme', 'linus-t', 'other-run', 15_000, at(31), t0)).toEqual({
        heldBy: 'org-run',
        until: at(46).toISOString(),
      });
    });

    it('runs and changes: both audit indexes, newest first, filtered', async () => {
      const change = (seq: number, user: string, outcome: ChangeRecord['outcome'], second: number): ChangeRecord => ({
        runId: 'run-1',
        seq,
        organization: 'acme',
        user,
        oktaUserId: null,
        action: 'set-role',
        effect: 'upgrade',
        before: null,
        after: { role: 'write', resourceGroups: [] },
        reasons: ['test'],
        trigger: 'cli',
        actor: 'me',
        outcome,
        at: at(second).toISOString(),
      });
      await state.putRun({
        runId: 'run-1',
        organization: 'acme',
        trigger: 'cli',
        actor: 'me',
        scope: { kind: 'organization' },
        startedAt: at(0).toISOString(),
      });
      await state.putChange(change(1, 'ada', 'applied', 1));
      await state.putChange(change(2, 'grace', 'failed', 2));
      await state.putChange(change(3, 'ada', 'applied', 3));
      await state.putRun({
        runId: 'run-1',
        organization: 'acme',
        trigger: 'cli',
        actor: 'me',
        scope: { kind: 'organization' },
        startedAt: at(0).toISOString(),
        finishedAt: at(4).toISOString(),
        outcome: 'partial',
      });
      expect((await state.listChanges({ organization: 'acme', limit: 10 })).map((c) => c.seq)).toEqual([3, 2, 1]);
      expect((await state.listChanges({ organization: 'acme', user: 'ada', limit: 10 })).map((c) => c.seq)).toEqual([3, 1]);
      expect((await state.listChanges({ organization: 'acme', outcome: 'failed', limit: 10 })).map((c) => c.user)).toEqual(['grace']);
      expect((await state.listChanges({ organization: 'acme', since: at(2).toISOString(), limit: 10 })).map((c) => c.seq)).toEqual([3, 2]);
      expect(await state.getRun('run-1')).toMatchObject({ outcome: 'partial' });
      expect(await state.lastFinishedRun('acme')).toMatchObject({ runId: 'run-1' });
    });

    it('stored plans: chunks and header; checkpoints only by the owner from the cursor it read; a take-over; one request settles a change and its member', async () => {
      const c = (i: number) =>
        ({
          id: `c${i}`,
          action: 'set-role',
          user: `u${i}`,
          oktaUserId: `00u${i}`,
          oktaLogin: null,
          effect: 'upgrade',
          before: null,
          after: { role: 'write', resourceGroups: [] },
          reasons: [],
        }) as never;
      const header = {
        runId: 'run-p',
        organization: 'acme',
        owner: 'run-p',
        total: 3,
        chunkStarts: [0, 2],
        cursor: 0,
        counts: { applied: 0, failed: 0, held: 0, superseded: 0 },
        batches: 0,
        readAtMs: t0,
        summary: { add: 0, change: 3, remove: 0, blocked: 0, needsInvite: 0, invited: 0, unlinked: 0, unmanaged: 0, conflicts: 0 },
        blocked: 0,
        status: 'applying' as const,
        updatedAt: at(0).toISOString(),
      };
      await state.putStoredPlan(header, [[c(1), c(2)], [c(3)]]);
      expect(await state.getStoredPlan('run-p')).toEqual(header);
      expect((await state.getStoredPlanChunk('run-p', 1)).map((x: { id: string }) => x.id)).toEqual(['c3']);
      await expect(state.getStoredPlanChunk('run-p', 2)).rejects.toThrow(/has no chunk 2/);
      const next = { cursor: 2, counts: { applied: 2, failed: 0, held: 0, superseded: 0 }, batches: 1, status: 'applying' as const };
      await expect(state.advanceStoredPlan('run-p', 'someone-else', 0, next, at(1))).rejects.toBeInstanceOf(LeaseLostError);
      await state.advanceStoredPlan('run-p', 'run-p', 0, next, at(1));
      // A retried batch that read cursor 0 cannot count the same slice twice.
      await expect(state.advanceStoredPlan('run-p', 'run-p', 0, next, at(2))).rejects.toBeInstanceOf(LeaseLostError);
      await state.takeOverStoredPlan('run-p', 'run-p+resume-1', at(3));
      await expect(state.advanceStoredPlan('run-p', 'run-p', 2, next, at(4))).rejects.toBeInstanceOf(LeaseLostError);
      await state.advanceStoredPlan('run-p', 'run-p+resume-1', 2, { ...next, cursor: 3, status: 'finished' }, at(4));
      await expect(state.takeOverStoredPlan('run-p', 'run-p+resume-2', at(5))).rejects.toThrow(/no stored plan left to apply/);
      const record = {
        runId: 'run-p',
        seq: 3,
        organization: 'acme',
        user: 'U3',
        oktaUserId: '00u3',
        action: 'set-role' as const,
        effect: 'upgrade' as const,
        before: null,
        after: { role: 'write' as const, resourceGroups: [] },
        reasons: [],
        trigger: 'cli' as const,
        actor: 'me',
        outcome: 'applied' as const,
        at: at(4).toISOString(),
      };
      await state.putChangeAndMember(record, {
        user: 'U3',
        oktaUserId: '00u3',
        role: 'write',
        resourceGroups: [],
        lastSyncedAt: at(4).toISOString(),
      });
      expect(await state.listRunChanges('run-p', 1, 3)).toEqual([record]);
      expect(await state.getManaged('acme', 'u3')).toMatchObject({ user: 'U3', role: 'write' });
      expect(await state.findLinkedMembers('acme', '00u3')).toEqual(['U3']);
      expect(await state.listChanges({ organization: 'acme', user: 'u3', limit: 5 })).toEqual([record]);
    });

    it('saves many managed members at once: every member and identity link, across batch requests', async () => {
      // 40 members with links = 80 items: four requests of at most 25, sent together.
      const many = Array.from({ length: 40 }, (_, n) => ({
        user: `Many-${n}`,
        oktaUserId: `00many${n % 20}`,
        role: 'read' as const,
        resourceGroups: [{ id: '0123456789abcdef01234567', name: 'research', role: 'write' as const }],
        lastSyncedAt: at(0).toISOString(),
      }));
      await state.saveManaged('bulk', many);
      const listed = await state.listManaged('bulk');
      expect(listed.map((m) => m.user).sort()).toEqual(many.map((m) => m.user).sort());
      expect(listed.find((m) => m.user === 'Many-7')).toEqual(many[7]);
      expect((await state.findLinkedMembers('bulk', '00many3')).sort()).toEqual(['Many-23', 'Many-3']);
      await state.saveManaged('bulk', []);
      expect(await state.listManaged('bulk')).toHaveLength(40);
    });

    it('managed members, issued tokens, cursors, SCIM groups and suspensions', async () => {
      await state.saveManaged('acme', [
        {
          user: 'Ada-Acme',
          oktaUserId: '00u1',
          role: 'admin',
          resourceGroups: [],
          lastSyncedAt: at(0).toISOString(),
        },
      ]);
      expect(await state.getManaged('acme', 'ada-acme')).toMatchObject({ user: 'Ada-Acme', role: 'admin' });
      expect((await state.listManaged('acme')).map((m) => m.user)).toContain('Ada-Acme');
      await state.saveManaged('acme', [
        {
          user: 'ada-new',
          oktaUserId: '00u1',
          role: 'write',
          resourceGroups: [],
          lastSyncedAt: at(1).toISOString(),
        },
      ]);
      expect((await state.findLinkedMembers('acme', '00u1')).sort()).toEqual(['Ada-Acme', 'ada-new']); // the old link stays
      expect(await state.findLinkedMembers('other-org', '00u1')).toEqual([]);
      await state.recordIssuedToken('acme', {
        tokenId: 't1',
        oktaUserId: '00u1',
        user: 'ada-acme',
        label: 'x',
        last4: 'abcd',
        issuedAt: at(0).toISOString(),
      });
      expect(await state.listIssuedTokens('acme', '00u1')).toHaveLength(1);
      await state.markTokenRevoked('acme', { tokenId: 't1', oktaUserId: '00u1' }, at(1));
      expect(await state.listIssuedTokens('acme')).toEqual([]);
      await state.putCursor('okta-logs', 'https://x/api/v1/logs?after=1_2', at(0));
      expect(await state.getCursor('okta-logs')).toBe('https://x/api/v1/logs?after=1_2');
      await state.putScimManagedResourceGroups('acme', ['0123456789abcdef01234567'], at(0));
      expect(await state.getScimManagedResourceGroups('acme')).toEqual(['0123456789abcdef01234567']);
      await state.suspendCredential('ada-notebooks', { runId: 'run-1', user: 'ada-acme', reason: 'offboarded' }, at(0));
      expect(await state.listSuspendedCredentials(['ada-notebooks', 'other'])).toEqual(['ada-notebooks']);
      expect(await credentials.getSuspension('ada-notebooks')).toMatchObject({ user: 'ada-acme', runId: 'run-1' });
      await credentials.markSuspensionRevoked('ada-notebooks', at(5));
      expect(await credentials.getSuspension('ada-notebooks')).toMatchObject({ revokedAt: at(5).toISOString() });
    });

    it("event claims: once; in progress until the claiming run's deadline, then taken over; done stays done; released claims are free", async () => {
      expect(await state.claimEvent('e1', 'hook', at(0), at(60))).toBe('claimed');
      expect(await state.claimEvent('e1', 'eventbridge', at(10), at(70))).toBe('in-progress');
      expect(await state.claimEvent('e1', 'poll', at(61), at(120))).toBe('claimed');
      expect(await state.claimEvent('e2', 'hook', at(0), at(60))).toBe('claimed');
      await state.finishEvents(['e1'], ['e2'], at(121));
      expect(await state.claimEvent('e1', 'poll', at(999), at(1060))).toBe('done');
      expect(await state.claimEvent('e2', 'poll', at(1), at(61))).toBe('claimed');
    });

    it('records a finished run with its applied changes, their members and the outbox entries it settles: ready ones put, dropped ones gone', async () => {
      const entry = (user: string, status: 'pending' | 'ready') => ({
        id: `${user}#run-f`,
        organization: 'acme',
        runId: 'run-f',
        user,
        seqs: [1],
        status,
        until: at(60).toISOString(),
        event: { detailType: 'hf-iam-sync.MemberOffboarded', detail: { user } },
      });
      await state.putOutbox(entry('fa', 'pending'));
      await state.putOutbox(entry('fb', 'pending'));
      const run = {
        runId: 'run-f',
        organization: 'acme',
        trigger: 'event' as const,
        actor: 'hook:x',
        scope: { kind: 'user' as const, user: 'fa' },
        startedAt: at(0).toISOString(),
      };
      const applied = {
        runId: 'run-f',
        seq: 1,
        organization: 'acme',
        user: 'fa',
        oktaUserId: '00ufa',
        action: 'remove' as const,
        effect: 'revoke' as const,
        before: { role: 'write' as const, resourceGroups: [] },
        after: null,
        reasons: ['left'],
        trigger: 'event' as const,
        actor: 'hook:x',
        outcome: 'applied' as const,
        at: at(1).toISOString(),
      };
      await state.finishRun(
        { ...run, finishedAt: at(2).toISOString(), outcome: 'succeeded' },
        { put: [{ ...entry('fa', 'ready'), publishingUntil: at(60).toISOString() }], drop: ['fb#run-f'] },
        [
          {
            change: applied,
            member: { user: 'fa', oktaUserId: '00ufa', role: 'no_access', resourceGroups: [], lastSyncedAt: at(1).toISOString() },
          },
        ],
      );
      expect((await state.listOutbox('acme')).filter((e) => e.runId === 'run-f')).toEqual([
        { ...entry('fa', 'ready'), publishingUntil: at(60).toISOString() },
      ]);
      expect(await state.getRun('run-f')).toMatchObject({ outcome: 'succeeded', finishedAt: at(2).toISOString() });
      expect(await state.getChange('run-f', 1)).toMatchObject({ outcome: 'applied', user: 'fa' });
      expect(await state.getManaged('acme', 'fa')).toMatchObject({ role: 'no_access', oktaUserId: '00ufa' });
      expect(await state.findLinkedMembers('acme', '00ufa')).toEqual(['fa']);
    });

    it("finishes claims and deletes outbox entries in batches past BatchWriteItem's 25", async () => {
      const uuids = Array.from({ length: 60 }, (_, i) => `batch-${i}`);
      for (const uuid of uuids) expect(await state.claimEvent(uuid, 'hook', at(0), at(60))).toBe('claimed');
      await state.finishEvents(uuids.slice(0, 40), uuids.slice(40), at(1));
      expect(await Promise.all(uuids.map((uuid) => state.claimEvent(uuid, 'poll', at(2), at(62))))).toEqual([
        ...Array(40).fill('done'),
        ...Array(20).fill('claimed'),
      ]);
      const entry = (i: number) => ({
        id: `p${i}#run-9`,
        organization: 'acme',
        runId: 'run-9',
        user: `p${i}`,
        seqs: [1],
        status: 'ready' as const,
        until: at(60).toISOString(),
        event: { detailType: 'hf-iam-sync.MemberOffboarded', detail: {} },
      });
      for (let i = 0; i < 30; i += 1) await state.putOutbox(entry(i));
      await state.deleteOutbox(
        'acme',
        Array.from({ length: 27 }, (_, i) => `p${i}#run-9`),
      );
      expect(
        (await state.listOutbox('acme'))
          .filter((e) => e.runId === 'run-9')
          .map((e) => e.user)
          .sort(),
      ).toEqual(['p27', 'p28', 'p29']);
    });

    it('credential state, versions oldest first, the trail newest first, and its own lease', async () => {
      await credentials.acquireCredentialLease('ci', 'run-a', 60_000, at(0));
      await expect(credentials.acquireCredentialLease('ci', 'run-b', 60_000, at(1))).rejects.toBeInstanceOf(LeaseHeldError);
      await credentials.renewCredentialLease('ci', 'run-a', 60_000, at(2));
      await credentials.putCredentialState(
        { credential: 'ci', currentVersionId: 'v2', rotation: null, lastRotatedAt: at(3).toISOString() },
        at(3),
      );
      for (const [id, second] of [
        ['v1', 1],
        ['v2', 2],
      ] as const) {
        await credentials.putVersion({
          credential: 'ci',
          versionId: id,
          tokenId: `t-${id}`,
          last4: 'wxyz',
          fingerprint: 'sha256:00',
          stage: id === 'v2' ? 'current' : 'previous',
          createdAt: at(second).toISOString(),
        });
      }
      expect((await credentials.listVersions('ci')).map((v) => v.versionId)).toEqual(['v1', 'v2']);
      expect(await credentials.getCredentialState('ci')).toMatchObject({ currentVersionId: 'v2' });
      await credentials.recordRotationEvent({
        credential: 'ci',
        rotationId: 'v2',
        step: 'create',
        outcome: 'done',
        runId: 'run-a',
        at: at(4).toISOString(),
      });
      await credentials.recordRotationEvent({
        credential: 'ci',
        rotationId: 'v2',
        step: 'promote',
        outcome: 'done',
        runId: 'run-a',
        at: at(5).toISOString(),
      });
      expect((await credentials.listRotationEvents('ci', 10)).map((e) => e.step)).toEqual(['promote', 'create']);
      await credentials.releaseCredentialLease('ci', 'run-a');
      await credentials.acquireCredentialLease('ci', 'run-b', 60_000, at(6));
    });

    it('directory snapshots: chunks then header, several chunks round-trip, an older read never replaces a newer, advance only on the same snapshot', async () => {
      expect(await state.getDirectorySnapshot('snap')).toBeNull();
      const users = Array.from({ length: 3000 }, (_, i) => ({
        id: `00u${String(i).padStart(17, '0')}`,
        login: `person-${i}@acme.example`,
        email: `person-${i}@acme.example`,
        status: 'ACTIVE' as const,
        hfUsername: i % 3 === 0 ? null : `person-${i}`,
        displayName: `Person Number ${i} With A Long Name`,
        givenName: 'Person',
        familyName: `Number ${i}`,
      }));
      const directory = {
        groups: [
          { id: '00gwrite', name: 'hf-acme-write', usersCount: 3000, membershipUpdated: at(0).toISOString() },
          { id: '00gempty', name: 'hf-acme-read' },
        ],
        members: { '00gwrite': users.map((u) => u.id), '00gempty': [] },
        users,
      };
      const header = {
        organization: 'snap',
        snapshotId: 's1',
        readStartedAt: at(10).toISOString(),
        fullReadAt: at(10).toISOString(),
        rulesKey: 'k',
      };
      expect(await state.putDirectorySnapshot(header, directory)).toBe(true);
      const stored = await state.getDirectorySnapshot('snap');
      expect(stored?.header).toMatchObject({ ...header, groups: 2, users: 3000 });
      expect(stored!.header.chunks).toBeGreaterThan(1);
      expect(stored?.directory).toEqual(directory);
      // A read that began earlier (a slow run finishing late) does not replace it.
      expect(await state.putDirectorySnapshot({ ...header, snapshotId: 's0', readStartedAt: at(5).toISOString() }, directory)).toBe(false);
      expect((await state.getDirectorySnapshot('snap'))?.header.snapshotId).toBe('s1');
      expect(await state.advanceDirectorySnapshot('snap', 's0', at(20).toISOString())).toBe(false);
      expect(await state.advanceDirectorySnapshot('snap', 's1', at(20).toISOString())).toBe(true);
      expect((await state.getDirectorySnapshot('snap'))?.header.readStartedAt).toBe(at(20).toISOString());
      const smaller = {
        ...directory,
        users: users.slice(0, 10),
        members: { '00gwrite': users.slice(0, 10).map((u) => u.id), '00gempty': [] },
      };
      expect(await state.putDirectorySnapshot({ ...header, snapshotId: 's2', readStartedAt: at(30).toISOString() }, smaller)).toBe(true);
      expect((await state.getDirectorySnapshot('snap'))?.directory).toEqual(smaller);
    });
  });
}
