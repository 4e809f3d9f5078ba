import validate from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { reconcileJobDefinition } from '../../../sandbox/step-functions.js';
import * as errors from '../../../shared/runtime/errors.js';

/** state-machines/reconcile-job.yml: valid Amazon States Language, and the shape the job relies on. */

describe('the ReconcileJob definition', () => {
  it('is valid ASL (asl-validator, paths and ARNs checked)', async () => {
    const result = validate((await reconcileJobDefinition()) as never, { checkPaths: true, checkArn: true });
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

  it('tells apart by name exactly the errors the errors module lists, each the name of one of its classes', async () => {
    const { States } = await reconcileJobDefinition();
    const named = new Set(
      Object.values(States as Record<string, { Retry?: Array<{ ErrorEquals: string[] }>; Catch?: Array<{ ErrorEquals: string[] }> }>)
        .flatMap((s) => [...(s.Retry ?? []), ...(s.Catch ?? [])])
        .flatMap((r) => r.ErrorEquals)
        .filter((n) => !/^(States|Lambda)\./.test(n)),
    );
    expect([...named].sort()).toEqual([...errors.STATE_MACHINE_ERROR_NAMES].sort());
    const classNames = (Object.values(errors) as unknown[]).filter((v) => typeof v === 'function').map((c) => (c as { name: string }).name);
    for (const name of named) expect(classNames, name).toContain(name);
  });
});
