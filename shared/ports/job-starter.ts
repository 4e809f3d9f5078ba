import type { Trigger } from './audit-trail.js';

/** What starts an organization run as a job: the ReconcileJob state machine (see state-machines/). */
export interface JobStarter {
  /**
   * Starts an execution named `name` (the same name and input again is the same execution) with
   * the input the state machine's plan step reads; says which execution it is.
   */
  start(name: string, input: { trigger: Trigger; actor: string; resume?: string }): Promise<{ executionArn: string; startedAt: string }>;
}
