import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SANDBOX_OKTA_TOKEN } from '../../sandbox/seed.js';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** `hf-iam-sync doctor` against the sandbox, deliberately misconfigured one way at a time. */

const ctx = useCliSandbox();
type Finding = { check: string; status: string; summary: string; fix: string | null };

async function doctor(env = ctx.sandbox.env) {
  const { code, stdout } = await runCli(['doctor', '--config', ctx.config, '--json'], { env });
  const report = JSON.parse(stdout) as { ok: boolean; findings: Finding[] };
  return { code, report, find: (check: string) => report.findings.find((f) => f.check === check)! };
}

describe('hf-iam-sync doctor', () => {
  it('on the sample company: passes the set-up, warns about its people problems', async () => {
    const { code, find } = await doctor();
    expect(code).toBe(0);
    for (const check of ['okta-scopes', 'hub-admin', 'hub-plan', 'state-table', 'rules', 'conflicts'])
      expect(find(check).status).toBe('pass');
    expect(find('convention')).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('hf-acme-writer: "writer" is not a role'),
    });
    expect(find('unlinked')).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('barbara@acme.example'),
      fix: expect.stringContaining('profile.hfUsername'),
    });
    expect(find('unmanaged')).toMatchObject({ status: 'warn', summary: expect.stringContaining('consultant') });
  });

  it('a service app without okta.logs.read', async () => {
    ctx.sandbox.okta.scopes.set(SANDBOX_OKTA_TOKEN, new Set(['users', 'groups']));
    const { code, find } = await doctor();
    expect(code).toBe(1);
    expect(find('okta-scopes')).toMatchObject({
      status: 'fail',
      summary: 'Okta refuses okta.logs.read',
      fix: expect.stringContaining('grant okta.logs.read to the API service app'),
    });
  });

  it('a Hub token of a non-admin, and of someone outside the org', async () => {
    ctx.sandbox.hub.addToken('hf_writer', { user: 'mhamilton', admin: false, kind: 'user' });
    ctx.sandbox.hub.addToken('hf_stranger', { user: 'nobody', admin: false, kind: 'user' });
    expect((await doctor({ ...ctx.sandbox.env, HF_TOKEN: 'hf_writer' })).find('hub-admin')).toMatchObject({
      status: 'fail',
      summary: "HF_TOKEN is mhamilton's, whose role in acme is contributor",
      fix: expect.stringContaining('use a token of an admin of acme'),
    });
    expect((await doctor({ ...ctx.sandbox.env, HF_TOKEN: 'hf_stranger' })).find('hub-admin').summary).toBe(
      "HF_TOKEN is nobody's, who is not a member of acme",
    );
  });

  it("an admin's token that cannot manage members: read-only, fine-grained without org.write, or restricted", async () => {
    const { hub } = ctx.sandbox;
    hub.addToken('hf_read', { user: 'root-admin', admin: true, kind: 'user', accessRole: 'read' });
    hub.addToken('hf_fg_read', { user: 'root-admin', admin: true, kind: 'user', accessRole: 'fineGrained', permissions: ['org.read'] });
    hub.addToken('hf_fg_write', {
      user: 'root-admin',
      admin: true,
      kind: 'user',
      accessRole: 'fineGrained',
      permissions: ['org.read', 'org.write'],
    });
    hub.addToken('hf_mfa', { user: 'root-admin', admin: true, kind: 'user', securityRestrictions: ['mfa'] });
    const check = async (token: string) => (await doctor({ ...ctx.sandbox.env, HF_TOKEN: token })).find('hub-admin');
    expect(await check('hf_read')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('the token is read-only: every role change would answer 403'),
      fix: expect.stringContaining('org.write on acme'),
    });
    expect(await check('hf_fg_read')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('fine-grained without org.write on acme'),
    });
    expect(await check('hf_mfa')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('restricted there: mfa (the organization requires two-factor authentication'),
    });
    expect(await check('hf_fg_write')).toMatchObject({ status: 'pass' });
    // What doctor predicts is what the Hub does: the read-only admin token's role change is refused.
    const put = await fetch(`${hub.baseUrl}/api/organizations/acme/members/grace-h/role`, {
      method: 'PUT',
      headers: { authorization: 'Bearer hf_read', 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'read' }),
    });
    expect(put.status).toBe(403);
  });

  it('an Academia organization is on a paid plan', async () => {
    ctx.sandbox.hub.plan = 'academia';
    expect((await doctor()).find('hub-plan')).toMatchObject({
      status: 'pass',
      summary: 'acme is on the academia plan, which has the calls membership: roles needs',
    });
  });

  it('scim-managed on an org without Enterprise Plus', async () => {
    await writeFile(ctx.config, ctx.sandbox.configText.replace('membership: roles', 'membership: scim-managed'));
    const { find } = await doctor({ ...ctx.sandbox.env, HF_SCIM_TOKEN: 'scim' });
    expect(find('hub-plan')).toMatchObject({
      status: 'fail',
      summary: 'membership: scim-managed needs Enterprise Plus, acme is on enterprise',
      fix: expect.stringContaining('scim-basic'),
    });
  });

  it('a rule naming a group Okta does not have', async () => {
    await writeFile(ctx.config, ctx.sandbox.configText.replace('group: hf-acme-admin,', 'group: hf-acme-admins,'));
    const { code, find } = await doctor();
    expect(code).toBe(1);
    expect(find('rules')).toMatchObject({
      status: 'fail',
      summary: 'Rule group "hf-acme-admins" does not exist in Okta',
      fix: expect.stringContaining('Fix the group name in rules[]'),
    });
  });

  it('two Okta users claiming one Hub username', async () => {
    ctx.sandbox.okta.addUser({ login: 'impostor@acme.example', profile: { hfUsername: 'ada-acme' } });
    expect((await doctor()).find('conflicts')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('ada-acme (ada@acme.example, impostor@acme.example)'),
    });
  });

  it('an unreachable state table', async () => {
    const { code, find } = await doctor({ ...ctx.sandbox.env, DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
    expect(code).toBe(1);
    expect(find('state-table')).toMatchObject({ status: 'fail' });
  }, 60_000);

  it('a token-exchange audience that is not the organization, and rotation on a plan without service accounts', async () => {
    const rotation = (audience: string) => `tokenExchange: { clientId: app-1, audience: ${audience} }
credentials:
  - { name: ci, serviceAccount: ci-bot, permissions: [repo.write], secret: hf-iam-sync/dev/credentials/ci }
  - { name: tx, kind: token-exchange, subject: ada-acme@users.example, secret: hf-iam-sync/dev/credentials/tx }
`;
    await writeFile(ctx.config, ctx.sandbox.configText + rotation('acme-prod'));
    const mismatch = await doctor();
    expect(mismatch.code).toBe(1);
    expect(mismatch.find('token-exchange')).toMatchObject({
      status: 'fail',
      summary: 'tokenExchange.audience is "acme-prod", but the organization is "acme": the Hub refuses the exchange (invalid_target)',
      fix: "set tokenExchange.audience: acme, or remove it (the OAuth app's bound organization is used)",
    });
    expect(mismatch.find('credentials').status).toBe('pass');

    await writeFile(ctx.config, ctx.sandbox.configText + rotation('acme'));
    expect((await doctor()).find('token-exchange')).toMatchObject({
      status: 'pass',
      summary: 'tokenExchange audience "acme" matches acme',
    });
    (ctx.sandbox.hub as unknown as { plan: string }).plan = 'team';
    const team = await doctor();
    expect(team.find('token-exchange')).toMatchObject({
      status: 'fail',
      summary: 'token exchange is an Enterprise feature; acme is on the team plan',
    });
    expect(team.find('credentials')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('service accounts are an Enterprise feature; acme is on the team plan, so ci cannot rotate'),
    });
  });

  it('prints a human report with the fixes', async () => {
    ctx.sandbox.okta.scopes.set(SANDBOX_OKTA_TOKEN, new Set(['users', 'groups']));
    const { stdout } = await runCli(['doctor', '--config', ctx.config], { env: ctx.sandbox.env });
    expect(stdout).toMatch(/^FAIL {2}okta-scopes {2}Okta refuses okta\.logs\.read$/m);
    expect(stdout).toMatch(/^ +fix: grant okta\.logs\.read/m);
    expect(stdout).toMatch(/doctor: \d+ passed, 3 warnings, 1 failed$/m);
  });
});
