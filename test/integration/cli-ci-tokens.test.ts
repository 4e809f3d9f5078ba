import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ciAccessConfig } from '../../sandbox/ci-seed.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../../sandbox/seed.js';
import { runCli } from '../helpers/cli.js';
import { startCiEnv, huggingfaceHubBody, type CiEnv } from '../helpers/ci-env.js';

/**
 * `hf-iam-sync ci-tokens` lists the broker's live tokens, `ci-tokens revoke` cuts them at once; `audit --trigger ci` shows every
 * exchange.
 */

let env: CiEnv;
let cli: (argv: string[]) => ReturnType<typeof runCli>;

beforeEach(async () => {
  env = await startCiEnv();
  const config = process.env.HF_IAM_SYNC_CONFIG!.replace(/\.json$/, '.yaml');
  const cliEnv = {
    DYNAMODB_ENDPOINT: env.sandbox.dynamoEndpoint,
    STATE_TABLE: 'hf-iam-sync',
    HF_TOKEN: SANDBOX_HF_TOKEN,
    HF_IAM_SYNC_ACTOR: 'secops-eve',
  };
  cli = (argv) => runCli([...argv, '--config', config], { env: cliEnv });
});
afterEach(async () => {
  await env.stop();
});

describe('ci-tokens', () => {
  it("lists live tokens without their values, revokes one policy's at once (the token stops working), and the audit trail shows issuance, refusal and revocation", async () => {
    const issued = await env.exchange(
      huggingfaceHubBody(
        await env.github.mint({ repository: 'acme/llama-ft', ref: 'refs/heads/main' }, { audience: 'acme' }),
        'llama-train',
      ),
    );
    await env.exchange(
      huggingfaceHubBody(
        await env.github.mint({ repository: 'acme/llama-ft', ref: 'refs/heads/dev' }, { audience: 'acme' }),
        'llama-train',
      ),
    );
    const value = String(issued.json.access_token);

    const listed = await cli(['ci-tokens']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/llama-train\s+acme-ci-bot-sa\s+acme\/llama-ft\s+refs\/heads\/main\s+8123456789/);
    expect(listed.stdout).not.toContain(value);
    const json = JSON.parse((await cli(['ci-tokens', '--json', '--policy', 'llama-train'])).stdout) as Array<{ tokenId: string }>;
    expect(json).toHaveLength(1);

    expect((await cli(['ci-tokens', 'revoke', '--policy', 'llama-train'])).stderr).toContain('needs --reason');
    const revoked = await cli(['ci-tokens', 'revoke', '--policy', 'llama-train', '--reason', 'INC-7 leaked runner']);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked token ${json[0]!.tokenId}`);
    const whoami = await fetch(`${env.sandbox.hub.baseUrl}/api/whoami-v2`, { headers: { authorization: `Bearer ${value}` } });
    expect(whoami.status).toBe(401);
    expect((await cli(['ci-tokens'])).stdout).toBe('No live CI tokens.\n');

    const audit = await cli(['audit', '--trigger', 'ci', '--format', 'json']);
    const records = JSON.parse(audit.stdout) as Array<{ action: string; outcome: string; error?: string }>;
    expect(records.map((r) => `${r.action} ${r.outcome}`).sort()).toEqual(['ci-token-issue applied', 'ci-token-issue failed']);
    expect(records.find((r) => r.outcome === 'failed')!.error).toMatch(
      /^unauthorized_client: policy "llama-train" does not trust this token/,
    );
    const all = JSON.parse((await cli(['audit', '--format', 'json'])).stdout) as Array<{
      action: string;
      actor: string;
      reasons: string[];
    }>;
    expect(all.find((r) => r.action === 'ci-token-revoke')).toMatchObject({
      actor: 'secops-eve',
      reasons: [expect.stringContaining('INC-7 leaked runner')],
    });
    expect(audit.stdout).not.toContain(value);
  });
});

describe('doctor on ciAccess', () => {
  it('fails a policy that cannot be met, hints at Trusted Publishers for a one-repo publisher, and names the audience to ask for', async () => {
    await env.stop();
    env = await startCiEnv(
      (
        github,
        gitlab,
      ) => `${ciAccessConfig(github, gitlab)}    - { name: broken, issuer: github, claims: { repository: acme/x }, serviceAccount: nobody-bot, repos: [acme/missing] }
    - { name: publish-only, issuer: github, claims: { repository: acme/llama-ft }, serviceAccount: ci-bot, repos: [acme/llama-ft], repoPermissions: [repo.write] }
`,
    );
    const config = process.env.HF_IAM_SYNC_CONFIG!.replace(/\.json$/, '.yaml');
    const doctor = await runCli(['doctor', '--config', config, '--json'], {
      env: {
        DYNAMODB_ENDPOINT: env.sandbox.dynamoEndpoint,
        STATE_TABLE: 'hf-iam-sync',
        HF_TOKEN: SANDBOX_HF_TOKEN,
        OKTA_API_TOKEN: SANDBOX_OKTA_TOKEN,
      },
    });
    const findings = (JSON.parse(doctor.stdout) as { findings: Array<{ check: string; status: string; summary: string }> }).findings.filter(
      (f) => f.check.startsWith('ci-'),
    );
    expect(findings.filter((f) => f.check === 'ci-audience').map((f) => f.summary)).toEqual([
      expect.stringContaining('tokens must carry aud "acme" (the organization\'s name, the default)'),
      expect.stringContaining('issuer gitlab'),
    ]);
    expect(findings.find((f) => f.summary.includes('policy broken'))).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/service account "nobody-bot" does not exist.*repository acme\/missing does not exist/),
    });
    expect(findings.filter((f) => f.check === 'ci-policy' && f.status === 'pass')).toHaveLength(4);
    expect(findings.filter((f) => f.check === 'ci-trusted-publisher').map((f) => f.summary)).toEqual([
      expect.stringContaining("policy publish-only only writes acme/llama-ft: the Hub's own Trusted Publishers"),
    ]);
    expect(doctor.code).toBe(1);
  });
});

describe('access review of CI principals', () => {
  it('lists every policy as a principal: what it trusts, what it gets, how often it was used in the period and when last', async () => {
    for (const ref of ['refs/heads/main', 'refs/heads/main', 'refs/heads/dev']) {
      await env.exchange(
        huggingfaceHubBody(await env.github.mint({ repository: 'acme/llama-ft', ref }, { audience: 'acme' }), 'llama-train'),
      );
    }
    const config = process.env.HF_IAM_SYNC_CONFIG!.replace(/\.json$/, '.yaml');
    const review = await runCli(['access-review', '--config', config, '--format', 'json'], {
      env: {
        DYNAMODB_ENDPOINT: env.sandbox.dynamoEndpoint,
        STATE_TABLE: 'hf-iam-sync',
        HF_TOKEN: SANDBOX_HF_TOKEN,
        OKTA_API_TOKEN: SANDBOX_OKTA_TOKEN,
      },
    });
    const principals = (JSON.parse(review.stdout) as { ciPrincipals: Array<Record<string, unknown>> }).ciPrincipals;
    expect(principals.map((p) => p.policy)).toEqual(['llama-train', 'release-eval', 'gitlab-eval']);
    expect(principals[0]).toMatchObject({
      trusts: { repository: 'acme/llama-ft', ref: 'refs/heads/main' },
      serviceAccount: 'ci-bot',
      repos: ['acme/llama-ft', 'datasets/acme/corpus'],
      repoPermissions: ['repo.content.read', 'repo.write'],
      ttlMinutes: 15,
      issued: 2,
      refused: 1,
      lastIssuedAt: expect.any(String),
    });
    expect(principals[1]).toMatchObject({ issued: 0, refused: 0, lastIssuedAt: null });
  });
});
