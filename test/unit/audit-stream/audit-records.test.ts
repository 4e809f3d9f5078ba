import { describe, expect, it } from 'vitest';
import { auditRecords } from '../../../shared/audit-stream/audit-records.js';
import { InMemoryCredentialStore } from '../../fakes/in-memory-state.js';

/** Our own records in the one shape include the configured credentials' rotation steps, as the stream forwards them. */

const step = (credential: string, at: string, name: 'create' | 'promote') => ({
  credential,
  rotationId: `rot-${credential}`,
  step: name,
  outcome: 'done' as const,
  runId: 'r-9',
  at,
  tokenId: 't1',
  last4: 'abcd',
});

describe('auditRecords, our own source', () => {
  it('gives the rotation steps of the configured credentials within the range, beside the changes, oldest first', async () => {
    const store = new InMemoryCredentialStore();
    await store.recordRotationEvent(step('ci-bot', '2026-12-06T09:00:00.000Z', 'create'));
    await store.recordRotationEvent(step('ci-bot', '2026-12-06T10:00:00.000Z', 'promote'));
    await store.recordRotationEvent(step('not-configured', '2026-12-06T10:00:00.000Z', 'create'));
    const ports = { trail: { listChanges: async () => [] }, rotations: { store, credentials: ['ci-bot'] } };
    const records = await auditRecords(ports, { organization: 'acme', since: '2026-12-06T09:30:00.000Z', limit: 50 }, 'hf-iam-sync');
    expect(records.map((r) => [r.id, r.action, r.credential?.name])).toEqual([
      ['hf-iam-sync:rotation/ci-bot/rot-ci-bot/promote', 'rotation-promote', 'ci-bot'],
    ]);
    // A query about one person's access says nothing of rotations.
    expect(await auditRecords(ports, { organization: 'acme', user: 'ada-acme', limit: 50 }, 'hf-iam-sync')).toEqual([]);
  });
});
