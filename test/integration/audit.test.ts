import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/** `hf-iam-sync audit` as evidence: filters, time ranges, CSV — over a trail written by real runs. */

const ctx = useCliSandbox();

beforeEach(async () => {
  ctx.sandbox.hub.inject({
    method: 'PUT',
    path: /\/members\/kthompson\/role$/,
    status: 400,
    body: { error: 'Cannot change "this" member, sorry' },
    times: 10,
  });
  await runCli(['apply', '--config', ctx.config, '--yes'], { env: { ...ctx.sandbox.env, HF_IAM_SYNC_ACTOR: 'alice' } });
});

const audit = async (...args: string[]) => runCli(['audit', '--config', ctx.config, ...args], { env: ctx.sandbox.env });
const json = async (...args: string[]) =>
  JSON.parse((await audit('--format', 'json', ...args)).stdout) as Array<{ user: string; outcome: string; at: string }>;

describe('hf-iam-sync audit', () => {
  it('filters by person, outcome and trigger', async () => {
    expect((await json('--user', 'LINUS-T')).map((r) => r.user)).toEqual(['linus-t']);
    expect((await json('--outcome', 'failed')).map((r) => r.user)).toEqual(['kthompson']);
    expect(await json('--trigger', 'cli')).toHaveLength(5);
    expect(await json('--trigger', 'event')).toEqual([]);
  });

  it('filters by time range, newest first', async () => {
    const all = await json();
    expect(all.map((r) => r.at)).toEqual([...all.map((r) => r.at)].sort().reverse());
    const middle = all[2]!.at;
    const since = await json('--since', middle);
    const until = await json('--until', middle);
    expect(since.map((r) => r.at)).toEqual(all.filter((r) => r.at >= middle).map((r) => r.at));
    expect(until.map((r) => r.at)).toEqual(all.filter((r) => r.at < middle).map((r) => r.at));
    expect(since.length + until.length).toBe(all.length);
    expect(since.length).toBeGreaterThan(0);
    expect(await json('--since', '2000-01-01', '--until', '2000-01-02')).toEqual([]);
  });

  it('writes RFC 4180 CSV for evidence requests', async () => {
    const { stdout } = await audit('--format', 'csv', '--outcome', 'failed');
    const lines = stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'time,organization,user,okta_user_id,action,effect,role_before,role_after,resource_groups_before,resource_groups_after,outcome,error,trigger,actor,run_id,reasons',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',kthompson,');
    expect(lines[1]).toContain('"huggingface: set role of kthompson failed (HTTP 400): Cannot change ""this"" member, sorry"');
    expect(lines[1]).toContain(',cli,alice,');
  });

  it('says which filter is wrong, all at once', async () => {
    const { code, stderr } = await audit('--since', 'yesterday', '--trigger', 'cron', '--outcome', 'ok');
    expect(code).toBe(2);
    expect(stderr).toContain('--since "yesterday" is not a date or time');
    expect(stderr).toContain('--trigger must be one of cli, schedule, invoke, event');
    expect(stderr).toContain('--outcome must be one of started, applied, failed');
    expect((await audit('--format', 'xml')).stderr).toContain('--format must be table, json, csv or ndjson');
  });
});
