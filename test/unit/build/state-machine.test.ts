import validate from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { reconcileJobDefinition } from '../../../sandbox/step-functions.js';

/** state-machines/reconcile-job.yml: valid Amazon States Language, and the shape the job relies on. */

describe('the ReconcileJob definition', () => {
  it('is valid ASL (asl-validator, paths and ARNs checked)', async () => {
    const result = validate(await reconcileJobDefinition() as never, { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('gives each task more time than the function has, retries a killed batch but not a lost lease, and always finishes', async () => {
    const { States, TimeoutSeconds } = await reconcileJobDefinition();
    const tasks = Object.entries(States).filter(([, s]: [string, any]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name)).toEqual(['Plan', 'ApplyBatch', 'Finish']);
    for (const [, task] of tasks as Array<[string, any]>) expect(task.TimeoutSeconds).toBeGreaterThan(900);
    const apply = States.ApplyBatch;
    expect(apply.Retry[0]).toEqual({ ErrorEquals: ['LeaseLostError', 'InputError'], MaxAttempts: 0 });
    expect(apply.Retry.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'] });
    expect(apply.Retry.at(-1).MaxAttempts).toBeGreaterThanOrEqual(3);
    expect(apply.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.job.error', Next: 'Finish' }]);
    // The wait between batches is the batch's own answer: the rate-limit window's reset.
    expect(States.WaitForWindow).toEqual({ Type: 'Wait', SecondsPath: '$.job.waitSeconds', Next: 'ApplyBatch' });
    expect(TimeoutSeconds).toBe(172_800);
  });
});
