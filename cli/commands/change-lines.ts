import type { ApplyResult } from '../../shared/reconcile/apply-plan.js';

/** One line per change an apply attempted: applied, failed, held (inconsistent read), superseded. */
export function changeLines(result: ApplyResult | undefined): string[] {
  return [
    ...(result?.applied ?? []).map((r) => `  ✓ ${r.user}: ${r.action}`),
    ...(result?.failed ?? []).map((r) => `  ✗ ${r.user}: ${r.action} failed: ${r.error}`),
    ...(result?.held ?? []).map((r) => `  ! ${r.user}: ${r.action} held: ${r.error}`),
    ...(result?.superseded ?? []).map((r) => `  ~ ${r.user}: ${r.action} superseded: ${r.error}`),
  ];
}
