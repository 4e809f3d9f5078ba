import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../sandbox/sandbox.js';
import { EXIT, type CliIo } from '../io.js';
import { offboardingStep } from './demo-offboarding.js';
import { rotationStep } from './demo-rotation.js';

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
  const sub: CliIo = { ...io, env: { ...io.env, ...sandbox.env, HF_IAM_SYNC_ACTOR: 'demo' }, prompt: undefined, progress: undefined };
  const step = async (title: string, argv: string[], env: Record<string, string> = {}) => {
    io.stdout(`\n━━━ ${title}\n$ hf-iam-sync ${argv.join(' ').replace(config, 'hf-iam-sync.yaml')}\n`);
    return main(argv, { ...sub, env: { ...sub.env, ...env } });
  };
  try {
    io.stdout(`Sandbox up: Okta ${sandbox.okta.baseUrl}, Hub ${sandbox.hub.baseUrl}, DynamoDB ${sandbox.dynamoEndpoint}`);
    io.stdout(`\nConfiguration (${config}):\n${sandbox.configText}`);
    await step('1. Plan: what would change, and why (writes nothing)', ['plan', '--config', config]);
    const applied = await step('2. Apply the plan', ['apply', '--config', config, '--yes']);
    if (applied !== EXIT.ok) io.stdout(`\n(apply exited ${applied}: a guard held a change back, so the run is not "clean")`);
    const again = await step('3. Plan again: the organization now matches Okta', ['plan', '--config', config]);
    await step('4. The audit trail in DynamoDB', ['audit', '--config', config]);
    const offboarded = await offboardingStep(sandbox, config, sub, io);
    await step('6. Grace in the audit trail', ['audit', '--config', config, '--user', 'grace-h']);
    const rotated = await rotationStep(sandbox, config, sub, io, step);
    const healthy = await step('8. doctor: the set-up checks out (rotation settings too); the sample company\'s people problems are warnings', ['doctor', '--config', config]);
    return again === EXIT.ok && offboarded && healthy === EXIT.ok && rotated ? EXIT.ok : EXIT.failed;
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
