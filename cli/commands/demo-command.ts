import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../sandbox/sandbox.js';
import { EXIT, type CliIo } from '../io.js';
import { offboardingStep } from './demo-offboarding.js';
import { rotationStep } from './demo-rotation.js';
import { ciTokenStep } from './demo-ci-tokens.js';

/**
 * `npm start`: the product's story on the embedded sandbox (Okta and Hub stand-ins, a local
 * DynamoDB). Each step is the real CLI command a user would type, run against the stand-ins.
 */
export async function runDemo(io: CliIo): Promise<number> {
  const { main } = await import('../main.js');
  const sandbox = await startSandbox();
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-demo-'));
  const config = join(dir, 'hf-iam-sync.yaml');
  await writeFile(config, sandbox.configText);
  // A demo key for saved plans (in real use: a secret only the people who apply plans hold). The
  // steps' notes (plan saved, review written) are part of the story: they go to stdout too.
  const sub: CliIo = {
    ...io,
    env: { ...io.env, ...sandbox.env, HF_IAM_SYNC_ACTOR: 'demo', HF_IAM_SYNC_PLAN_KEY: 'demo-plan-key-not-a-secret-0123456789' },
    prompt: undefined,
    progress: undefined,
    stderr: io.stdout,
  };
  const step: DemoStep = async (title, argv, env = {}) => {
    io.stdout(`\n━━━ ${title}\n$ hf-iam-sync ${argv.join(' ').replace(config, 'hf-iam-sync.yaml')}\n`);
    return main(argv, { ...sub, env: { ...sub.env, ...env } });
  };
  try {
    io.stdout(`Sandbox up: Okta ${sandbox.okta.baseUrl}, Hub ${sandbox.hub.baseUrl}, DynamoDB ${sandbox.dynamoEndpoint}`);
    io.stdout(`\nConfiguration (${config}):\n${sandbox.configText}`);
    return (await story({ sandbox, config, dir, sub, io, step })) ? EXIT.ok : EXIT.failed;
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One of the story's steps: the CLI command it runs, announced with its title. */
type DemoStep = (title: string, argv: string[], env?: Record<string, string>) => Promise<number>;

interface DemoRun {
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
  /** The configuration file and the directory it is in. */
  config: string;
  dir: string;
  /** The steps' io (the sandbox's environment, notes to stdout) and the terminal's. */
  sub: CliIo;
  io: CliIo;
  step: DemoStep;
}

/** The story, step by step; true when every step that must succeed did. */
async function story({ sandbox, config, dir, sub, io, step }: DemoRun): Promise<boolean> {
  const savedPlan = join(dir, 'plan.json');
  const reviewPage = join(tmpdir(), 'hf-iam-sync-demo-access-review.html');
  await step('1. Plan: what would change, and why; saved, signed, for review (writes nothing to the Hub)', [
    'plan',
    '--config',
    config,
    '--out',
    savedPlan,
  ]);
  const applied = await step('2. Apply exactly the reviewed plan (each member checked against the plan first)', [
    'apply',
    '--config',
    config,
    savedPlan,
    '--yes',
  ]);
  if (applied !== EXIT.ok) io.stdout(`\n(apply exited ${applied}: a guard held a change back, so the run is not "clean")`);
  const again = await step('3. Plan again: the organization now matches Okta', ['plan', '--config', config]);
  await step('4. The audit trail in DynamoDB', ['audit', '--config', config]);
  const offboarded = await offboardingStep(sandbox, config, sub, io);
  await step('6. Grace in the audit trail', ['audit', '--config', config, '--user', 'grace-h']);
  const rotated = await rotationStep(sandbox, config, sub, io, step);
  const ci = await ciTokenStep(sandbox, config, sub, io, step);
  const healthy = await step(
    "9. doctor: the set-up checks out (rotation and CI policies too); the sample company's people problems are warnings",
    ['doctor', '--config', config],
  );
  const reviewed = await step('10. Access review: who has access today, and why — people and CI policies', [
    'access-review',
    '--config',
    config,
  ]);
  const page = await step('11. The same review as one self-contained HTML page, for the auditor', [
    'access-review',
    '--config',
    config,
    '--format',
    'html',
    '--out',
    reviewPage,
  ]);
  io.stdout(`\nThe access review's page: ${reviewPage}`);
  return again === EXIT.ok && offboarded && healthy === EXIT.ok && rotated && ci && reviewed === EXIT.ok && page === EXIT.ok;
}
