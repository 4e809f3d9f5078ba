import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Plan } from '../../shared/domain/plan.js';
import { renderPlan } from '../../shared/domain/render-plan.js';
import { applySavedPlan } from '../../shared/reconcile/apply-saved.js';
import { openSavedPlan, savePlan } from '../../shared/reconcile/saved-plan.js';
import type { Config } from '../../shared/runtime/config.js';
import { ConfigError } from '../../shared/runtime/errors.js';
import { EXIT, type CliIo } from '../io.js';
import { actorOf, openCommand } from '../command-setup.js';
import { changeLines } from './change-lines.js';

/**
 * Reviewed plans: `plan --out FILE` saves the plan it printed, signed (HF_IAM_SYNC_PLAN_KEY);
 * `apply FILE` applies exactly that plan after checking the signature, the organization, the
 * configuration and each member's state — the review workflow: plan in a pull request, approve,
 * apply the file.
 */

const MIN_KEY = 32;

function planKey(io: CliIo): string {
  const key = io.env.HF_IAM_SYNC_PLAN_KEY;
  if (!key || key.length < MIN_KEY) {
    throw new ConfigError([
      `HF_IAM_SYNC_PLAN_KEY must be set to a secret of at least ${MIN_KEY} characters that only the people who apply plans hold: saved plans are signed with it, and an edited plan is refused`,
    ]);
  }
  return key;
}

export async function writeSavedPlan(plan: Plan, config: Config, configPath: string, out: string, io: CliIo): Promise<void> {
  if (plan.errored) throw new ConfigError(['this plan has errors (see above): it cannot be applied, so it is not saved']);
  const key = planKey(io);
  const saved = savePlan(plan, { createdAt: new Date().toISOString(), createdBy: actorOf(io), configSha256: config.sourceSha256 }, key);
  await writeFile(resolve(io.cwd, out), `${JSON.stringify(saved, null, 2)}\n`);
  io.stderr(
    `Plan saved to ${out} (signed; ${plan.changes.length} change(s)). Apply exactly it with: hf-iam-sync apply --config ${configPath} ${out}`,
  );
}

export interface ApplyFileArgs {
  config: string;
  file: string;
  yes: boolean;
  json: boolean;
  allOrNothing: boolean;
}

export async function runApplyFile(args: ApplyFileArgs, io: CliIo): Promise<number> {
  const key = planKey(io);
  const text = await readFile(resolve(io.cwd, args.file), 'utf8').catch((error: unknown) => {
    throw new ConfigError([`cannot read ${args.file}: ${(error as Error).message}`]);
  });
  const { config, composition } = await openCommand(args.config, io);
  try {
    const saved = openSavedPlan(text, args.file, key, { organization: config.policy.organization, configSha256: config.sourceSha256 });
    if (!args.json) io.stdout(`${renderPlan(saved.plan, { color: io.color })}\n(saved ${saved.createdAt} by ${saved.createdBy})`);
    if (!args.yes) {
      if (!io.prompt) {
        io.stderr('Refusing to apply without confirmation: there is no terminal to ask on. Pass --yes once the plan file is approved.');
        return EXIT.usage;
      }
      if (
        (
          await io.prompt(
            `\nApply these ${saved.plan.changes.length} changes to "${saved.plan.organization}"? Only 'yes' will be accepted: `,
          )
        ).trim() !== 'yes'
      ) {
        io.stdout('Apply cancelled; nothing was changed.');
        return EXIT.failed;
      }
    }
    const outcome = await applySavedPlan(composition.ports, config, saved, { actor: actorOf(io), allOrNothing: args.allOrNothing });
    if (args.json) {
      io.stdout(
        JSON.stringify(
          {
            runId: outcome.runId,
            outcome: outcome.outcome,
            stale: outcome.stale.map((s) => ({ changeId: s.change.id, user: s.change.user, reason: s.reason })),
            result: outcome.result ?? null,
          },
          null,
          2,
        ),
      );
    } else {
      const lines = [
        ...changeLines(outcome.result),
        ...outcome.stale.map((s) => `  ! ${s.change.user}: ${s.change.action} refused, stale: ${s.reason}`),
      ];
      const none = args.allOrNothing && outcome.stale.length > 0 ? ' (--all-or-nothing: nothing applied)' : '';
      io.stdout(
        [
          ...lines,
          '',
          `Apply ${outcome.outcome}${none}: ${outcome.result?.applied.length ?? 0} applied, ${outcome.result?.failed.length ?? 0} failed, ${outcome.stale.length} stale. Run ${outcome.runId} is in the audit trail.`,
        ].join('\n'),
      );
    }
    return outcome.outcome === 'succeeded' || outcome.outcome === 'no-changes' ? EXIT.ok : EXIT.failed;
  } finally {
    await composition.close();
  }
}
