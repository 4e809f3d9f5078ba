import { unlock } from '../../shared/reconcile/unlock.js';
import { newRunId } from '../../composition/compose.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { EXIT, type CliIo } from '../io.js';
import { actorOf, openState } from '../command-setup.js';

/** `unlock --run RUN --reason "…" [--credential NAME]`: breaks a dead run's lease, on the record. */
export async function runUnlockCommand(
  args: { config: string; run: string | undefined; reason: string | undefined; credential: string | undefined },
  io: CliIo,
): Promise<number> {
  const problems = [
    ...(args.run ? [] : ['unlock needs --run RUN: the run whose lease to break (the error that refused your run names it)']),
    ...(args.reason?.trim() ? [] : ['unlock needs --reason "…": why, for the audit trail']),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const { config, state, close } = await openState(args.config, io);
  try {
    const done = await unlock(state, {
      organization: config.policy.organization,
      runId: args.run!,
      credential: args.credential,
      reason: args.reason!,
      actor: actorOf(io),
      unlockRunId: newRunId(),
      now: new Date(),
    });
    io.stdout(`Broke the ${done.lease} held by run ${args.run} (it would have expired at ${done.expiresAt}); recorded in the audit trail.`);
    return EXIT.ok;
  } finally {
    await close();
  }
}
