import type { Change, PlanSummary } from '../domain/plan.js';

/** How the settled changes of a stored plan ended (their audit records say the same, one by one). */
export interface JobCounts {
  applied: number;
  failed: number;
  held: number;
  superseded: number;
}

/**
 * An org run's plan, stored for its batches (shared/reconcile/job.ts): the changes in apply order,
 * in chunks (`RUN#{runId} / PLAN#{n}`), and this header (`RUN#{runId} / PLAN`), written last.
 */
export interface StoredPlan {
  runId: string;
  organization: string;
  /** The lease owner allowed to apply it now: the first executor, or whoever resumed it last. */
  owner: string;
  total: number;
  /** Where each stored chunk starts (the index of its first change): chunks are cut at 200 changes or 300 KB. */
  chunkStarts: number[];
  /** Changes before `cursor` (in stored order) are settled; the next batch starts there. */
  cursor: number;
  counts: JobCounts;
  batches: number;
  /** When the plan's Okta and Hub reads began (member holds compare decisions by it). */
  readAtMs: number;
  summary: PlanSummary;
  /** Changes a guard held back when the plan was made (the run ends `blocked` when nothing else went wrong). */
  blocked: number;
  status: 'applying' | 'finished';
  updatedAt: string;
}

/** Org runs' stored plans and their checkpoints. */
export interface StoredPlans {
  /** Stores an org run's plan: every chunk of changes (apply order), then the header. */
  putStoredPlan(plan: StoredPlan, chunks: readonly Change[][]): Promise<void>;
  getStoredPlan(runId: string): Promise<StoredPlan | null>;
  /** Chunk `index` of a stored plan's changes. */
  getStoredPlanChunk(runId: string, index: number): Promise<Change[]>;
  /**
   * Moves a stored plan on (a checkpoint) — only while `owner` is its owner and its cursor is still
   * `fromCursor`; `LeaseLostError` otherwise (another executor has it now).
   */
  advanceStoredPlan(
    runId: string,
    owner: string,
    fromCursor: number,
    next: Pick<StoredPlan, 'cursor' | 'counts' | 'batches' | 'status'>,
    now: Date,
  ): Promise<void>;
  /** Makes `owner` the stored plan's owner (a resume, after taking the org lease); refused once it is finished. */
  takeOverStoredPlan(runId: string, owner: string, now: Date): Promise<void>;
}
