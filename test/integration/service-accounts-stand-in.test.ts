import { whoAmI } from '@huggingface/hub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_HF_TOKEN } from '../../sandbox/seed.js';

/**
 * Service-account tokens on the Hub stand-in, checked with @huggingface/hub's whoAmI: a created
 * token answers as the service account, a deleted one stops, and rotate kills the old one at once.
 */

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.stop();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sandbox.hub.baseUrl}/api/organizations/acme${path}`, {
    method,
    headers: { authorization: `Bearer ${SANDBOX_HF_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
const who = (token: string) => whoAmI({ accessToken: token, hubUrl: sandbox.hub.baseUrl });

describe('service accounts on the Hub stand-in', () => {
  it('creates a token that answers whoami as the service account, with org access, until deleted', async () => {
    const sa = (await api<{ _id: string; user: string }>('POST', '/service-accounts', { name: 'ci', description: 'CI jobs' })).body;
    const created = (
      await api<{ token: string; tokenInfo: { _id: string; permissions: string[] } }>('POST', `/service-accounts/${sa._id}/tokens`, {
        displayName: 'ci-2026-w48',
        permissions: ['repo.content.read', 'org.write'],
      })
    ).body;
    expect(created.tokenInfo.permissions).toEqual(['repo.content.read', 'org.write']);
    // Service accounts are not members: by default whoami shows the org without roleInOrg, and the token's org-scoped permissions.
    const seen = await who(created.token);
    expect(seen).toMatchObject({
      name: sa.user,
      orgs: [expect.objectContaining({ name: 'acme' })],
      auth: {
        accessToken: {
          role: 'fineGrained',
          fineGrained: { scoped: [{ entity: { type: 'org', name: 'acme' }, permissions: ['repo.content.read', 'org.write'] }] },
        },
      },
    });
    expect((seen as unknown as { orgs: object[] }).orgs[0]).not.toHaveProperty('roleInOrg');
    sandbox.hub.serviceAccountRoleInWhoami = true;
    expect(await who(created.token)).toMatchObject({ orgs: [expect.objectContaining({ name: 'acme', roleInOrg: 'write' })] });
    const listed = (await api<{ accessTokens: Array<Record<string, unknown>> }>('GET', `/service-accounts/${sa._id}`)).body;
    expect(listed.accessTokens).toEqual([
      expect.objectContaining({ _id: created.tokenInfo._id, displayName: 'ci-2026-w48', last4: created.token.slice(-4) }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect((await api('DELETE', `/service-accounts/${sa._id}/tokens/${created.tokenInfo._id}`)).status).toBe(204);
    await expect(who(created.token)).rejects.toThrowError(/Invalid credentials/);
  });

  it('rotate returns a new token and the old one dies at once', async () => {
    const sa = (await api<{ _id: string }>('POST', '/service-accounts', { name: 'deploy' })).body;
    const first = (
      await api<{ token: string; tokenInfo: { _id: string } }>('POST', `/service-accounts/${sa._id}/tokens`, {
        permissions: ['repo.write'],
      })
    ).body;
    const rotated = (
      await api<{ token: string; tokenInfo: { _id: string } }>('POST', `/service-accounts/${sa._id}/tokens/${first.tokenInfo._id}/rotate`)
    ).body;
    expect(rotated.token).not.toBe(first.token);
    await expect(who(first.token)).rejects.toThrowError(/Invalid credentials/);
    expect(await who(rotated.token)).toMatchObject({ orgs: [expect.objectContaining({ name: 'acme' })] });
  });

  it("rejects unknown permissions and unknown accounts with the Hub's error shape", async () => {
    const sa = (await api<{ _id: string }>('POST', '/service-accounts', { name: 'x' })).body;
    // The stand-in refuses it as the Hub does, from the published schema, and records the violation.
    expect(await api('POST', `/service-accounts/${sa._id}/tokens`, { permissions: ['everything'] })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('/permissions/0 must be equal to one of the allowed values') },
    });
    expect(sandbox.hub.takeViolations()).toEqual([
      expect.stringContaining('service-accounts/{serviceAccountId}/tokens body: /permissions/0'),
    ]);
    expect(await api('DELETE', '/service-accounts/000000000000000000000000')).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining('not found') },
    });
  });
});
