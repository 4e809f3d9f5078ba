import { appendFile } from 'node:fs/promises';
import { ciAccessConfig, seedCiAccess } from '../../sandbox/ci-seed.js';
import { serveBroker } from '../../sandbox/ci-broker.js';
import { OidcIssuerStandIn } from '../../sandbox/oidc/oidc-issuer-stand-in.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { sweepCiTokens } from '../../shared/ci-tokens/sweep-ci-tokens.js';
import { loadConfig } from '../../shared/runtime/config.js';
import type { CliIo } from '../io.js';

/**
 * Demo step 8: a CI job gets a Hub token from its OIDC identity — no secret in CI. A GitHub
 * Actions job on acme/llama-ft's main branch exchanges its ID token at the broker, pushes a
 * checkpoint with the token; the same job on another branch, and a token minted for the Hub's own
 * exchange, are refused with the reason; when the token's TTL has passed the sweeper deletes it.
 */

type Step = (title: string, argv: string[], env?: Record<string, string>) => Promise<number>;

export async function ciTokenStep(sandbox: Sandbox, config: string, io: CliIo, out: CliIo, step: Step): Promise<boolean> {
  out.stdout("\n━━━ 8. CI jobs: a least-privilege Hub token from the job's OIDC identity, dying on time\n");
  const github = new OidcIssuerStandIn('github');
  await github.start();
  seedCiAccess(sandbox.hub, 'ci-broker');
  const added = ciAccessConfig(github.baseUrl, undefined, 'ci-broker');
  await appendFile(config, added);
  out.stdout(`An admin created service account ci-broker and the repositories on the Hub, and added to the configuration:\n${added}`);
  const parsed = await loadConfig(config);
  const broker = await serveBroker(parsed, { table: 'hf-iam-sync', endpoint: sandbox.dynamoEndpoint }, io.env);
  try {
    const exchange = exchanger(github, broker.url, out);
    const issued = await exchange(
      '8a. A GitHub Actions job on acme/llama-ft, branch main, exchanges its ID token',
      { repository: 'acme/llama-ft', ref: 'refs/heads/main' },
      'acme',
    );
    const token = String(issued.access_token);
    const push = await commit(sandbox.hub.baseUrl, token, 'acme/llama-ft', 'checkpoint 42');
    const other = await commit(sandbox.hub.baseUrl, token, 'acme/other-model', 'x');
    out.stdout(
      `The job pushes a checkpoint to acme/llama-ft with it: HTTP ${push.status}; to acme/other-model: HTTP ${other.status} (not in its policy).`,
    );
    const wrongBranch = await exchange('8b. The same job on branch dev', { repository: 'acme/llama-ft', ref: 'refs/heads/dev' }, 'acme');
    const hubAudience = await exchange(
      "8c. A token minted for the Hub's own Trusted Publishers exchange",
      { repository: 'acme/llama-ft', ref: 'refs/heads/main' },
      'https://huggingface.co',
    );
    await step("8d. The broker's live tokens (never a value)", ['ci-tokens', '--config', config]);
    out.stdout('\n━━━ 8e. 16 minutes later (the clock moved forward): the sweeper deletes the token at its TTL\n');
    const ports = await broker.setup.sweep();
    const report = await sweepCiTokens({ ...ports, clock: () => new Date(Date.now() + 16 * 60_000) }, broker.setup.settings);
    const after = await fetch(`${sandbox.hub.baseUrl}/api/whoami-v2`, { headers: { authorization: `Bearer ${token}` } });
    out.stdout(
      `Swept: ${report.deleted.map((d) => `${d.tokenId} (${d.reason})`).join(', ') || 'nothing'}; the Hub now answers the token with HTTP ${after.status}.`,
    );
    await step('8f. Every exchange in the audit trail, issued and refused', ['audit', '--config', config, '--trigger', 'ci']);
    return (
      push.status === 200 &&
      other.status !== 200 &&
      wrongBranch.error === 'unauthorized_client' &&
      hubAudience.error === 'invalid_grant' &&
      after.status === 401
    );
  } finally {
    await broker.stop();
    await github.stop();
  }
}

/** A job's exchange at the broker, shown as the curl the job would run; the answer's token masked. */
function exchanger(github: OidcIssuerStandIn, brokerUrl: string, out: CliIo) {
  return async (title: string, claims: Record<string, unknown>, audience: string) => {
    const subject = await github.mint(claims, { audience });
    out.stdout(
      `\n━━━ ${title}\n$ curl -X POST ${brokerUrl}oauth/token -H 'content-type: application/json' \\\n    -d '{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token_type": "…:id_token", "subject_token": "<the job's ID token, aud ${audience}>", "resource": "llama-train"}'`,
    );
    const answer = await fetch(`${brokerUrl}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
        subject_token: subject,
        resource: 'llama-train',
      }),
    });
    const body = (await answer.json()) as Record<string, unknown>;
    const shown = typeof body.access_token === 'string' ? { ...body, access_token: `hf_…${body.access_token.slice(-4)} (masked)` } : body;
    out.stdout(`HTTP ${answer.status} ${JSON.stringify(shown)}`);
    return body;
  };
}

/** A commit to a model repository on the Hub with `token`: what the job's push does. */
const commit = (hubUrl: string, token: string, repo: string, summary: string) =>
  fetch(`${hubUrl}/api/models/${repo}/commit/main`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ summary }),
  });
