import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxResponse } from '../../sandbox/http-kit.js';
import { reconcile, type ReconcileRequest } from '../../shared/reconcile/reconcile.js';
import { IncompleteReadError } from '../../shared/runtime/errors.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * A read that is silently short — a group page that drops a member and looks complete — must never
 * remove an entitled person: Okta's own member count catches it when Okta gives one, and every loss
 * is confirmed by a read of that person alone before it is written.
 */

const apply: Omit<ReconcileRequest, 'approval'> = { dryRun: false, scope: { kind: 'organization' }, trigger: 'cli', actor: 'test' };
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

/** Drops the Okta user `login` from every page of a group's members. */
const without =
  (login: string) =>
  (reply: SandboxResponse): SandboxResponse => ({
    ...reply,
    body: (reply.body as Array<{ profile: { login: string } }>).filter((u) => u.profile.login !== login),
  });
/** Takes Okta's member counts out of the group search (as a proxy or an older API might). */
const withoutCounts = (reply: SandboxResponse): SandboxResponse => ({
  ...reply,
  body: (reply.body as Array<Record<string, unknown>>).map(({ _embedded: _dropped, ...g }) => g),
});

describe('silently short reads', () => {
  it("a group page that drops a member, against Okta's own count: a failed read, no write", async () => {
    const { okta, hub } = h.sandbox;
    okta.inject({
      method: 'GET',
      path: new RegExp(`/groups/${okta.groupByName('hf-acme-write').id}/users$`),
      status: 200,
      rewrite: without('grace@acme.example'),
      times: 10,
    });
    const failure = await reconcile(h.composition.ports, h.config, apply).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IncompleteReadError);
    expect((failure as Error).message).toMatch(
      /list members of group "hf-acme-write" failed: Okta counts 4 members, the pages returned 3: a page came back short/,
    );
    expect(hub.count(/\/role$/, 'PUT')).toBe(0);
  });

  it('without a count, the loss is confirmed by reading the person alone: disagreement holds it, the rest applies, exit is not clean', async () => {
    const { okta, hub } = h.sandbox;
    okta.inject({ method: 'GET', path: /\/api\/v1\/groups$/, status: 200, rewrite: withoutCounts, times: 10 });
    okta.inject({
      method: 'GET',
      path: new RegExp(`/groups/${okta.groupByName('hf-acme-write').id}/users$`),
      status: 200,
      rewrite: without('margaret@acme.example'),
      times: 10,
    });
    const outcome = await reconcile(h.composition.ports, h.config, apply);
    // The organization read thought Margaret left hf-acme-write (contributor → read); Okta, asked about her alone, says she is in it.
    expect(outcome.result!.held).toEqual([
      expect.objectContaining({
        user: 'mhamilton',
        error: expect.stringMatching(
          /^inconsistent read: the organization read says set-role → read for mhamilton, a read of the person alone says set-role → write/,
        ),
      }),
    ]);
    expect(hub.member('mhamilton')?.role).toBe('contributor');
    expect(hub.member('linus-t')?.role).toBe('no_access'); // a confirmed loss still goes ahead
    expect(outcome.outcome).toBe('partial');
    const trail = await h.composition.ports.state.listChanges({ organization: 'acme', user: 'mhamilton', limit: 5 });
    expect(trail[0]).toMatchObject({ outcome: 'held', error: expect.stringContaining('inconsistent read') });
  });
});
