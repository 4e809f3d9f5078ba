import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** `npm start` is the product's first impression: the whole story runs and ends with doctor passing. */
describe('hf-iam-sync demo (npm start)', () => {
  it('runs every step against its own sandbox — a reviewed plan, an offboarding, a rotation, doctor passing — and ends with an access review and its page', async () => {
    const { code, stdout, stderr } = await runCli(['demo'], { env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const titles = [...stdout.matchAll(/^━━━ (\d+[a-f]?)\./gm)].map((m) => m[1]);
    expect(titles).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '7a',
      '7b',
      '7c',
      '7d',
      '7e',
      '8',
      '8a',
      '8b',
      '8c',
      '8d',
      '8e',
      '8f',
      '9',
      '10',
      '11',
    ]);
    expect(stdout).toMatch(/Plan saved to .*plan\.json \(signed; \d+ change\(s\)\)/);
    expect(stdout).toMatch(/Apply succeeded: \d+ applied, 0 failed, 0 stale/);
    expect(stdout).toMatch(/Access review of "acme", .*: \d+ members/);
    expect(stdout).toMatch(/Hub after \d+ ms: grace-h is no_access/);
    expect(stdout).toMatch(/Old token …\S{4} accepted now: false\./);
    expect(stdout).toMatch(/The job pushes a checkpoint to acme\/llama-ft with it: HTTP 200; to acme\/other-model: HTTP 404/);
    expect(stdout).toMatch(
      /HTTP 400 \{"error":"unauthorized_client","error_description":"policy \\"llama-train\\" does not trust this token: ref must be/,
    );
    expect(stdout).toMatch(/minted for the Hub's own exchange \(Trusted Publishers\)/);
    expect(stdout).toMatch(/Swept: \S+ \(its TTL ended\); the Hub now answers the token with HTTP 401\./);
    expect(stdout).toMatch(/CI principals \(ciAccess policies; use since/);
    expect(stdout).toMatch(/\ndoctor: \d+ passed, 3 warnings, 0 failed\n/);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^The access review's page: .*hf-iam-sync-demo-access-review\.html$/);
  }, 120_000);
});
