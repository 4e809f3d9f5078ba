import { parseArgs } from 'node:util';
import { AppError, ConfigError, describeError, InputError } from '../shared/runtime/errors.js';
import { parseDuration } from '../shared/domain/credentials.js';
import { DEFAULT_RUN_MS, withDeadline } from '../shared/runtime/deadline.js';
import { EXIT, type CliIo } from './io.js';
import { packageVersion } from './version.js';

// Each command's module is loaded when it runs: `--help` and `--version` load none of them.
const USAGE = `Usage: hf-iam-sync <command> [options]

Commands:
  plan    --config FILE [--json] [--user X]           show what would change and why; writes nothing
          [--out PLAN.json]                           save it, signed (HF_IAM_SYNC_PLAN_KEY), for review
          [--full]                                    read all of Okta, not the changes since the last read (plan, apply)
  apply   --config FILE [--json] [--yes] [--user X]   apply the plan (asks first unless --yes)
          [--allow-removals N --reason "…"]           lift safety.maxRemovals to N for this run only (audited)
  apply   --config FILE --resume RUN [--yes] [--json]   continue a stopped organization run from its last checkpoint
  apply   --config FILE PLAN.json [--yes] [--all-or-nothing]
                                                      apply exactly a saved, reviewed plan; stale changes are refused
  audit   --config FILE [--user X] [--since T] [--until T] [--trigger cli|schedule|invoke|event|ci]
          [--outcome applied|failed|started] [--limit N] [--format table|json|csv|ndjson]
                                                      the audit trail, newest first (--json = --format json);
          --format ndjson [--source hf-iam-sync|hub|all]  one record shape for ours and the Hub's audit log, oldest
                                                      first, each Hub change correlated with its cause (for a SIEM);
          --credential NAME [--since T] [--until T]  a credential's rotation trail instead
  access-review --config FILE [--format table|csv|json|html] [--out FILE] [--compare PREVIOUS.json]
                                                      who has access today and why (user-access review evidence)
  doctor  --config FILE [--json]                      checks the set-up; every problem with its fix
  compile --config FILE --out FILE.json               check the configuration file and write the compiled form the
                                                      Lambda functions read (npm run package does this)
  drift   --config FILE [--since T] [--json]          membership changes made on the Hub outside hf-iam-sync
  rotate  --config FILE [--credential NAME] [--dry-run] [--json]
                                                      rotate the managed tokens that are due (NAME: now);
                                                      reports overdue credentials and orphan tokens
  restore --config FILE --change RUN/SEQ --reason "…" put a member back to what a recorded change took away
  unlock  --config FILE --run RUN --reason "…" [--credential NAME]
                                                      break the lease of a run that is gone (recorded)
  ci-tokens --config FILE [--policy P] [--json]       the CI token broker's live tokens (never a value)
  ci-tokens revoke --config FILE --token ID|--policy P --reason "…"
                                                      delete them on the Hub now (recorded)
  demo                                                the whole story on the built-in sandbox

--user takes an Okta login, an Okta user id, or a Hugging Face username. --version prints the version.
--deadline DURATION (every command; default 15m): the command ends by then — every Okta and Hub request,
retry and rate-limit wait is bounded by it, and its leases end with it.
Secrets come from the environment: OKTA_API_TOKEN (or OKTA_CLIENT_ID + OKTA_PRIVATE_KEY), HF_TOKEN,
HF_SCIM_TOKEN for the scim-* modes, HF_OAUTH_CLIENT_SECRET for token exchange. State: STATE_TABLE / DYNAMODB_ENDPOINT, else ./.hf-iam-sync/.`;

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  user: { type: 'string' },
  yes: { type: 'boolean', default: false },
  limit: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  trigger: { type: 'string' },
  outcome: { type: 'string' },
  format: { type: 'string' },
  credential: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  deadline: { type: 'string' },
  run: { type: 'string' },
  change: { type: 'string' },
  reason: { type: 'string' },
  'allow-removals': { type: 'string' },
  out: { type: 'string' },
  compare: { type: 'string' },
  'all-or-nothing': { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  resume: { type: 'string' },
  policy: { type: 'string' },
  source: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

/** Runs one CLI invocation and returns its exit code. Never calls process.exit, so tests can run it in-process. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr(`${describeError(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version) {
    io.stdout(packageVersion());
    return EXIT.ok;
  }
  if (values.help || !command) {
    (command ? io.stdout : io.stderr)(USAGE);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const needConfig = () => {
    if (!values.config) throw new ConfigError([`${command} needs --config FILE (see the README's configuration reference)`]);
    return values.config;
  };
  try {
    const deadlineMs = values.deadline === undefined ? DEFAULT_RUN_MS : parseDuration(values.deadline);
    if (deadlineMs === undefined || deadlineMs <= 0)
      throw new ConfigError([`--deadline must be a duration such as 90s, 10m or 1h, got "${values.deadline}"`]);
    // Every request and every wait of this command ends by then; leases taken end with it too.
    return await withDeadline(Date.now() + deadlineMs, () => dispatch(command, values, positionals, needConfig, io));
  } catch (error) {
    return failure(error, io);
  }
}

/** `--allow-removals N --reason "…"`: a one-run lift of safety.maxRemovals, which must say why. */
function allowRemovals(values: {
  'allow-removals'?: string | undefined;
  reason?: string | undefined;
}): { count: number; reason: string } | undefined {
  const raw = values['allow-removals'];
  if (raw === undefined) return undefined;
  const count = Number(raw);
  const problems = [
    ...(Number.isInteger(count) && count >= 0 ? [] : [`--allow-removals must be a whole number of removals or demotions, got "${raw}"`]),
    ...(values.reason?.trim()
      ? []
      : ['--allow-removals needs --reason "…": why this run may remove more than safety.maxRemovals (it goes to the audit trail)']),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return { count, reason: values.reason!.trim() };
}

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

async function dispatch(
  command: string,
  values: Values,
  positionals: readonly string[],
  needConfig: () => string,
  io: CliIo,
): Promise<number> {
  switch (command) {
    case 'plan':
    case 'apply':
      return planOrApply(command, values, positionals, needConfig, io);
    case 'audit':
      return audit(values, needConfig, io);
    case 'access-review':
      return accessReview(values, needConfig, io);
    case 'compile':
      return await (await import('./commands/compile-command.js')).runCompileCommand({ config: needConfig(), out: values.out }, io);
    case 'doctor':
      return await (await import('./commands/doctor-command.js')).runDoctorCommand({ config: needConfig(), json: values.json }, io);
    case 'drift':
      return await (
        await import('./commands/drift-command.js')
      ).runDriftCommand({ config: needConfig(), since: values.since, json: values.json }, io);
    case 'rotate':
      return await (
        await import('./commands/rotate-command.js')
      ).runRotateCommand({ config: needConfig(), credential: values.credential, dryRun: values['dry-run'], json: values.json }, io);
    case 'restore':
      return await (
        await import('./commands/restore-command.js')
      ).runRestoreCommand({ config: needConfig(), change: values.change, reason: values.reason }, io);
    case 'unlock':
      return await (
        await import('./commands/unlock-command.js')
      ).runUnlockCommand({ config: needConfig(), run: values.run, reason: values.reason, credential: values.credential }, io);
    case 'ci-tokens':
      return await (
        await import('./commands/ci-tokens-command.js')
      ).runCiTokensCommand(
        {
          config: needConfig(),
          action: positionals[1],
          policy: values.policy,
          token: values.token,
          reason: values.reason,
          json: values.json,
        },
        io,
      );
    case 'demo':
      return await (await import('./commands/demo-command.js')).runDemo(io);
    default:
      io.stderr(`Unknown command "${command}".\n\n${USAGE}`);
      return EXIT.usage;
  }
}

function failure(error: unknown, io: CliIo): number {
  if (error instanceof ConfigError || error instanceof InputError) {
    io.stderr(error.message);
    return EXIT.usage;
  }
  io.stderr(`Error: ${describeError(error)}`);
  if (!(error instanceof AppError) && error instanceof Error && error.stack) io.stderr(error.stack);
  return EXIT.failed;
}

/** `plan` and `apply`: a plan of the organization or one person, a saved plan's apply, or a stopped run's resume. */
async function planOrApply(
  command: 'plan' | 'apply',
  values: Values,
  positionals: readonly string[],
  needConfig: () => string,
  io: CliIo,
): Promise<number> {
  const file = positionals[1];
  if (values.resume !== undefined) {
    if (command !== 'apply' || file !== undefined || values.user || values['allow-removals'] !== undefined || values.out !== undefined) {
      throw new ConfigError([
        '--resume RUN continues a stopped run exactly as it was planned: use it with `apply` alone (no PLAN.json, --user, --allow-removals or --out)',
      ]);
    }
    if (!values.resume.trim())
      throw new ConfigError(["--resume needs the run id (the `stopped` run's id, from its error or `hf-iam-sync audit`)"]);
    return await (
      await import('./commands/resume-command.js')
    ).runResumeCommand({ config: needConfig(), run: values.resume.trim(), yes: values.yes, json: values.json }, io);
  }
  if (command === 'apply' && file !== undefined) {
    if (values.user || values['allow-removals'] !== undefined)
      throw new ConfigError(['apply FILE applies exactly the saved plan: --user and --allow-removals belong to `plan --out`']);
    return await (
      await import('./commands/saved-plan-command.js')
    ).runApplyFile({ config: needConfig(), file, yes: values.yes, json: values.json, allOrNothing: values['all-or-nothing'] }, io);
  }
  if (values.out !== undefined && command !== 'plan')
    throw new ConfigError(['--out saves a plan: use it with `plan` (or `access-review`, `compile`)']);
  if (values.full && values.user)
    throw new ConfigError([
      '--full reads the whole organization from Okta: --user reads one person (always in full); use one or the other',
    ]);
  return await (
    await import('./commands/reconcile-command.js')
  ).runReconcileCommand(
    command,
    {
      config: needConfig(),
      json: values.json,
      user: values.user,
      yes: values.yes,
      allowRemovals: allowRemovals(values),
      out: values.out,
      full: values.full,
    },
    io,
  );
}

/** `audit`: the trail (table, JSON, CSV), the records in one shape (ndjson), or a credential's rotation trail. */
async function audit(values: Values, needConfig: () => string, io: CliIo): Promise<number> {
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigError([`--limit must be a positive whole number, got "${values.limit}"`]);
  const format = values.format ?? (values.json ? 'json' : 'table');
  if (format !== 'table' && format !== 'json' && format !== 'csv' && format !== 'ndjson')
    throw new ConfigError([`--format must be table, json, csv or ndjson, got "${format}"`]);
  return await (
    await import('./commands/audit-command.js')
  ).runAuditCommand(
    {
      config: needConfig(),
      user: values.user,
      since: values.since,
      until: values.until,
      trigger: values.trigger,
      outcome: values.outcome,
      limit,
      format,
      credential: values.credential,
      source: values.source,
    },
    io,
  );
}

/** `access-review`: who has access today and why, in the format asked for. */
async function accessReview(values: Values, needConfig: () => string, io: CliIo): Promise<number> {
  const format = values.format ?? (values.json ? 'json' : 'table');
  if (format !== 'table' && format !== 'json' && format !== 'csv' && format !== 'html')
    throw new ConfigError([`--format must be table, csv, json or html, got "${format}"`]);
  const { runAccessReviewCommand } = await import('./commands/access-review-command.js');
  return runAccessReviewCommand({ config: needConfig(), format, out: values.out, compare: values.compare }, io);
}
