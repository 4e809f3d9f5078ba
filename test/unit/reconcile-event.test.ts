import { describe, expect, it } from 'vitest';
import { parseReconcileEvent } from '../../shared/reconcile/reconcile-event.js';
import { InputError } from '../../shared/runtime/errors.js';
import scheduled from '../fixtures/events/scheduled.json' with { type: 'json' };

describe('parseReconcileEvent', () => {
  it('applies the whole organization on a schedule', () => {
    expect(parseReconcileEvent(scheduled)).toMatchObject({ dryRun: false, trigger: 'schedule', scope: { kind: 'organization' } });
  });

  it('plans only, by default, on a manual invoke', () => {
    expect(parseReconcileEvent({})).toMatchObject({ dryRun: true, trigger: 'invoke' });
    expect(parseReconcileEvent({ dryRun: false, user: 'alice@acme.example' })).toMatchObject({ dryRun: false, scope: { kind: 'user', user: 'alice@acme.example' } });
  });

  it('rejects unknown keys and wrong types with the expected shape', () => {
    expect(() => parseReconcileEvent({ dryrun: false })).toThrowError(InputError);
    expect(() => parseReconcileEvent({ dryRun: 'no' })).toThrowError(/dryRun.*Expected \{"dryRun"/);
  });
});
