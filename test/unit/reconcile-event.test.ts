import { describe, expect, it } from 'vitest';
import { parseJobStep, parseReconcileEvent } from '../../shared/reconcile/reconcile-event.js';
import { InputError } from '../../shared/runtime/errors.js';
import scheduled from '../fixtures/events/scheduled.json' with { type: 'json' };

describe('parseReconcileEvent', () => {
  it('refuses a scheduled event, naming what it accepts (the schedule starts the ReconcileJob state machine, not this function)', () => {
    expect(() => parseReconcileEvent(scheduled)).toThrow(/Invalid reconcile event: .*Expected \{"dryRun": true\|false/);
  });

  it('plans only, by default, on a manual invoke', () => {
    expect(parseReconcileEvent({})).toMatchObject({ dryRun: true, trigger: 'invoke' });
    expect(parseReconcileEvent({ dryRun: false, user: 'alice@acme.example' })).toMatchObject({
      dryRun: false,
      scope: { kind: 'user', user: 'alice@acme.example' },
    });
  });

  it('rejects unknown keys and wrong types with the expected shape', () => {
    expect(() => parseReconcileEvent({ dryrun: false })).toThrowError(InputError);
    expect(() => parseReconcileEvent({ dryRun: 'no' })).toThrowError(/dryRun.*Expected \{"dryRun"/);
  });
});

describe('parseJobStep', () => {
  const ticket = {
    runId: 'r-1',
    owner: 'r-1',
    organization: 'acme',
    done: false,
    waitSeconds: 0,
    cursor: 0,
    total: 5,
    counts: { applied: 0, failed: 0, held: 0, superseded: 0 },
  };

  it("takes the state machine's three steps, the execution input of plan included", () => {
    expect(parseJobStep({ step: 'plan', input: { resume: 'r-9' }, execution: 'exec-1' })).toEqual({
      step: 'plan',
      input: { resume: 'r-9' },
      execution: 'exec-1',
    });
    expect(parseJobStep({ step: 'apply', job: ticket })).toEqual({ step: 'apply', job: ticket });
    // The Catch puts the batch's error on the ticket; finish takes it.
    expect(parseJobStep({ step: 'finish', job: { ...ticket, error: { Error: 'LeaseLostError', Cause: 'taken over' } } })).toMatchObject({
      job: { error: { Error: 'LeaseLostError' } },
    });
  });

  it('says what is wrong, where, and what it expects', () => {
    expect(() => parseJobStep({ step: 'apply' })).toThrowError(/job: .*The state machine sends/);
    expect(() => parseJobStep({ step: 'plan', input: { resume: 7 } })).toThrowError(/input\.resume/);
    expect(() => parseJobStep({ step: 'apply', job: { ...ticket, cursor: -1 } })).toThrowError(/job\.cursor/);
    expect(() => parseJobStep({ step: 'replan' })).toThrowError(InputError);
  });
});
