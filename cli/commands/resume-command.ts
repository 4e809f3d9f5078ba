import { resumeRun } from '../../shared/reconcile/reconcile.js';
import { EXIT, type CliIo } from '../io.js';
import { actorOf, openCommand } from '../command-setup.js';
import { changeLines } from './change-lines.js';

/**
 * `apply --resume RUN`: continues a stopped organization run from its last checkpoint (the stored
 * plan's cursor), in this process. Asks first unless --yes: the changes left were planned when the
 * run began (each is still checked against the Hub before it is written).
 */
export async function runResumeCommand(args: { config: string; run: string; yes: boolean; json: boolean }, io: CliIo): Promise<number> {
  const { config, composition } = await openCommand(args.config, io);
  try {
    const { state } = composition.ports;
    const [stored, run] = await Promise.all([state.getStoredPlan(args.run), state.getRun(args.run)]);
    if (stored && run && !args.json) {
      io.stdout(
        `Run ${args.run} (${run.trigger}, by ${run.actor}, started ${run.startedAt}): ${stored.cursor} of ${stored.total} changes settled` +
          ` (${stored.counts.applied} applied, ${stored.counts.failed} failed, ${stored.counts.held} held, ${stored.counts.superseded} superseded), ${stored.total - stored.cursor} left` +
          `${run.outcome ? `; it ended ${run.outcome}${run.error ? `: ${run.error}` : ''}` : '; it has no outcome (its execution may still be running: the lease says)'}.`,
      );
    }
    if (!args.yes) {
      if (!io.prompt) {
        io.stderr('Refusing to resume without confirmation: there is no terminal to ask on. Pass --yes.');
        return EXIT.usage;
      }
      const answer = await io.prompt(
        `\nResume run ${args.run} on "${config.policy.organization}"? Each change left is checked against the Hub first. Only 'yes' will be accepted: `,
      );
      if (answer.trim() !== 'yes') {
        io.stdout('Resume cancelled; nothing was changed.');
        return EXIT.failed;
      }
    }
    const done = await resumeRun(composition.ports, config, {
      runId: args.run,
      trigger: 'cli',
      actor: actorOf(io),
      ...(io.progress
        ? { execution: { onProgress: (n: number, total: number) => io.progress!(n === total ? '' : `applying: ${n}/${total} changes`) } }
        : {}),
    });
    const outcome = done.run?.outcome ?? 'stopped';
    if (args.json) {
      io.stdout(JSON.stringify({ runId: args.run, outcome, ticket: done.ticket, result: done.result ?? null }, null, 2));
    } else {
      const lines = changeLines(done.result);
      const c = done.ticket.counts;
      lines.push(
        '',
        `Run ${args.run} ${outcome}: ${done.ticket.cursor} of ${done.ticket.total} changes settled — ${c.applied} applied, ${c.failed} failed, ${c.held} held, ${c.superseded} superseded (the whole run).${done.run?.error ? ` ${done.run.error}` : ''}`,
      );
      io.stdout(lines.join('\n'));
    }
    return outcome === 'succeeded' || outcome === 'no-changes' ? EXIT.ok : EXIT.failed;
  } finally {
    await composition.close();
  }
}
