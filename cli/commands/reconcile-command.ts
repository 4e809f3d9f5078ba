import type { PlanScope } from '../../shared/domain/plan.js';
import { renderPlan } from '../../shared/domain/render-plan.js';
import { reconcile, type ReconcileOutcome, type ReconcileRequest } from '../../shared/reconcile/reconcile.js';
import { EXIT, type CliIo } from '../io.js';
import { actorOf, openCommand } from '../command-setup.js';
import { changeLines } from './change-lines.js';
import { writeSavedPlan } from './saved-plan-command.js';

/**
 * `plan` and `apply`. `plan` reads and prints, writing nothing, and exits 0 unless the plan could
 * not be made. `apply` shows the same plan, asks (unless --yes), applies exactly it, and exits 0
 * only when every change succeeded and no guard held anything back.
 */

export interface ReconcileArgs {
  config: string;
  json: boolean;
  user: string | undefined;
  yes: boolean;
  /** A one-run lift of safety.maxRemovals, with its reason. */
  allowRemovals?: { count: number; reason: string } | undefined;
  /** `plan --out FILE`: save the plan, signed, for review and `apply FILE`. */
  out?: string | undefined;
  /** `--full`: read all of Okta, whatever the last read's snapshot holds. */
  full?: boolean;
}

function renderResult(outcome: ReconcileOutcome): string {
  const lines = changeLines(outcome.result);
  const applied = outcome.result?.applied.length ?? 0;
  const failed = outcome.result?.failed.length ?? 0;
  const held = outcome.result?.held.length ?? 0;
  const superseded = outcome.result?.superseded.length ?? 0;
  lines.push(
    '',
    `Apply ${outcome.outcome}: ${applied} applied, ${failed} failed, ${outcome.plan.blocked.length} blocked${held ? `, ${held} held (inconsistent read)` : ''}${superseded ? `, ${superseded} superseded (the member changed since the plan: decided again alone)` : ''}. Run ${outcome.runId} is in the audit trail.`,
  );
  if (outcome.outcome === 'stopped' && outcome.ticket) {
    lines.push(
      `It stopped after ${outcome.ticket.cursor} of ${outcome.ticket.total} changes (its deadline came, or another run took the lease); continue it from there with: hf-iam-sync apply --config … --resume ${outcome.runId}`,
    );
  }
  return lines.join('\n');
}

export async function runReconcileCommand(mode: 'plan' | 'apply', args: ReconcileArgs, io: CliIo): Promise<number> {
  const { config, composition } = await openCommand(args.config, io);
  const scope: PlanScope = args.user
    ? { kind: 'user', user: args.user }
    : { kind: 'organization', ...(args.full ? { fullRead: true } : {}) };
  try {
    io.progress?.('reading Okta and the Hub…');
    if (mode === 'plan') {
      const { plan } = await reconcile(composition.ports, config, {
        dryRun: true,
        scope,
        trigger: 'cli',
        actor: actorOf(io),
        ...(args.allowRemovals ? { approval: { allowRemovals: args.allowRemovals } } : {}),
      });
      io.progress?.('');
      io.stdout(args.json ? JSON.stringify(plan, null, 2) : renderPlan(plan, { color: io.color }));
      if (args.out !== undefined) await writeSavedPlan(plan, config, args.config, args.out, io);
      // A --user that matched nobody is most likely a typo: say so, and do not report success.
      return plan.errored || plan.diagnostics.some((d) => d.code === 'no-match') ? EXIT.failed : EXIT.ok;
    }
    if (!args.yes && !io.prompt) {
      io.stderr('Refusing to apply without confirmation: there is no terminal to ask on. Pass --yes after reviewing `hf-iam-sync plan`.');
      return EXIT.usage;
    }
    const outcome = await reconcile(composition.ports, config, {
      dryRun: false,
      scope,
      trigger: 'cli',
      actor: actorOf(io),
      ...cliApplyHooks(args, io),
    });
    if (args.json) {
      io.stdout(
        JSON.stringify({ runId: outcome.runId, outcome: outcome.outcome, result: outcome.result ?? null, plan: outcome.plan }, null, 2),
      );
    } else if (outcome.outcome === 'declined') {
      io.stdout('Apply cancelled; nothing was changed.');
    } else if (outcome.plan.errored || outcome.plan.changes.length === 0) {
      io.stdout(renderPlan(outcome.plan, { color: io.color }));
    } else {
      io.stdout(renderResult(outcome));
    }
    const clean = outcome.outcome === 'succeeded' || outcome.outcome === 'no-changes';
    return clean ? EXIT.ok : EXIT.failed;
  } finally {
    await composition.close();
  }
}

/** What the terminal adds to an apply: the progress line, and the prompt (or `--yes`) after the plan is shown. */
function cliApplyHooks(args: ReconcileArgs, io: CliIo): Pick<ReconcileRequest, 'approval' | 'execution'> {
  return {
    ...(io.progress
      ? {
          execution: {
            onProgress: (done: number, total: number) => io.progress!(done === total ? '' : `applying: ${done}/${total} changes`),
          },
        }
      : {}),
    approval: {
      ...(args.allowRemovals ? { allowRemovals: args.allowRemovals } : {}),
      confirm: async (plan) => {
        io.progress?.('');
        if (!args.json) io.stdout(renderPlan(plan, { color: io.color }));
        if (args.yes) return true;
        const answer = await io.prompt!(
          `\nApply these ${plan.changes.length} changes to "${plan.organization}"? Only 'yes' will be accepted: `,
        );
        return answer.trim() === 'yes';
      },
    },
  };
}
