import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/domain/audit-record.js';
import { runCli } from '../helpers/cli.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';

/**
 * `audit --format ndjson --source all`: our audit trail and the Hub's audit log in one record
 * shape, against the sandbox — each Hub change once, ours correlated with the run that made it,
 * a person's change on the Hub marked out of band.
 */

const ctx = useCliSandbox();
const records = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditRecord);

describe('audit records (ndjson)', () => {
  it("gives every Hub change once, hf-iam-sync's correlated with its run and cause, a person's out of band, and our own trail beside them", async () => {
    // Prepare: an apply (Hub changes made with hf-iam-sync's token), then someone changes a role on the Hub.
    expect((await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env })).code).toBe(1); // a guard holds root-admin back
    ctx.sandbox.hub.changeRoleByHand('ada-acme', 'mhamilton', 'admin');
    ctx.sandbox.hub.audit('repo.create', 'ada-acme', 'Created repo acme/model-1', { repo: 'acme/model-1' });
    // Act
    const { code, stdout } = await runCli(['audit', '--config', ctx.config, '--format', 'ndjson', '--source', 'all'], {
      env: ctx.sandbox.env,
    });
    // Assess
    expect(code).toBe(0);
    const all = records(stdout);
    const hub = all.filter((r) => r.source === 'hub');
    expect(new Set(hub.map((r) => r.id)).size).toBe(ctx.sandbox.hub.auditLog.length);
    expect(hub).toHaveLength(ctx.sandbox.hub.auditLog.length);
    const ours = hub.filter((r) => r.correlation?.madeBy === 'hf-iam-sync');
    const own = all.filter((r) => r.source === 'hf-iam-sync' && r.outcome === 'applied' && r.action !== 'allow-removals');
    expect(ours.length).toBeGreaterThan(3);
    expect(ours.length).toBe(ctx.sandbox.hub.auditLog.filter((e) => (e.author as { user: string }).user === 'root-admin').length);
    for (const r of ours) {
      const cause = own.find((o) => o.ids.runId === r.ids.runId && o.ids.changeSeq === r.ids.changeSeq);
      expect(cause, `${r.targetUser}'s Hub change has its change record`).toBeDefined();
      expect(cause!.targetUser).toBe(r.targetUser);
      expect(r.correlation).toMatchObject({ trigger: 'cli', cause: expect.stringContaining('cli:') });
    }
    expect(hub.find((r) => r.targetUser === 'mhamilton' && r.after?.role === 'admin')).toMatchObject({
      actor: 'ada-acme',
      correlation: { madeBy: 'out-of-band', author: 'ada-acme' },
      hub: expect.objectContaining({ type: 'org.change_role', ip: '127.0.0.1' }),
    });
    expect(hub.find((r) => r.action === 'repo.create')?.correlation).toEqual({ madeBy: 'out-of-band', author: 'ada-acme' });
    expect(all.map((r) => r.time)).toEqual([...all.map((r) => r.time)].sort());
    expect(stdout).not.toContain(ctx.sandbox.env.HF_TOKEN);
  });

  it('keeps --source to our own trail by default, refuses it for other formats, and asks for HF_TOKEN to read the Hub', async () => {
    await runCli(['apply', '--config', ctx.config, '--yes'], { env: ctx.sandbox.env });
    const own = records((await runCli(['audit', '--config', ctx.config, '--format', 'ndjson'], { env: ctx.sandbox.env })).stdout);
    expect(own.every((r) => r.source === 'hf-iam-sync')).toBe(true);
    expect(own.length).toBeGreaterThan(0);
    expect((await runCli(['audit', '--config', ctx.config, '--source', 'hub'], { env: ctx.sandbox.env })).stderr).toContain(
      'use it with --format ndjson',
    );
    const { HF_TOKEN: _t, ...noToken } = ctx.sandbox.env;
    const refused = await runCli(['audit', '--config', ctx.config, '--format', 'ndjson', '--source', 'hub'], { env: noToken });
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('set HF_TOKEN') });
  });
});
