import { restoreChange } from '../../shared/reconcile/restore.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { EXIT, type CliIo } from '../io.js';
import { actorOf, openCommand } from '../command-setup.js';

/** `restore --change RUN/SEQ --reason "…"`: puts a member back to what a recorded change took away. */
export async function runRestoreCommand(
  args: { config: string; change: string | undefined; reason: string | undefined },
  io: CliIo,
): Promise<number> {
  const ref = /^(\S+)\/(\d+)$/.exec(args.change ?? '');
  const problems = [
    ...(ref ? [] : [`restore needs --change RUN/SEQ (a run id and change number from hf-iam-sync audit), got "${args.change ?? ''}"`]),
    ...(args.reason?.trim() ? [] : ['restore needs --reason "…": why, for the audit trail']),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const { config, composition } = await openCommand(args.config, io);
  try {
    const outcome = await restoreChange(composition.ports, config, {
      runId: ref![1]!,
      seq: Number(ref![2]),
      reason: args.reason!,
      actor: actorOf(io),
    });
    const change = outcome.plan.changes[0];
    if (outcome.plan.errored) io.stdout(outcome.plan.diagnostics.map((d) => `Error: ${d.summary} — ${d.detail}`).join('\n'));
    else if (!change) io.stdout(`Nothing to restore: the member already has the access change ${args.change} took away.`);
    else if (outcome.result?.applied.length)
      io.stdout(
        `Restored ${change.user}: ${change.before?.role} → ${change.after?.role}${change.after?.resourceGroups.length ? ` with ${change.after.resourceGroups.map((rg) => `${rg.name} (${rg.role})`).join(', ')}` : ''}. Run ${outcome.runId} is in the audit trail.`,
      );
    else
      io.stdout(
        `Not restored: ${[...(outcome.result?.failed ?? []).map((f) => f.error), ...outcome.plan.blocked.map((b) => `held by the ${b.guard} guard: ${b.detail}`)].join('; ')}`,
      );
    if (outcome.undoneByNextRun)
      io.stdout(
        `Warning: the next reconcile would ${outcome.undoneByNextRun}: fix the person's groups in Okta, or add them to safety.protectedUsers.`,
      );
    return outcome.outcome === 'succeeded' || outcome.outcome === 'no-changes' ? EXIT.ok : EXIT.failed;
  } finally {
    await composition.close();
  }
}
