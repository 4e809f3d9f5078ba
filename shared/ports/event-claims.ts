/** Claims on Okta events, shared by the three ways an event comes in (EventBridge, the Event Hook, the log poll). */
export interface EventClaims {
  /**
   * Claims an Okta event id for processing until `until` (the claiming invocation's deadline; a
   * conditional write). `done` when it was processed already; `in-progress` while another
   * invocation's claim lasts. A claim past its `until` is taken over.
   */
  claimEvent(uuid: string, source: string, now: Date, until: Date): Promise<'claimed' | 'done' | 'in-progress'>;
  /**
   * Ends claims, batched: `done` events are marked processed (the record expires (TTL) after a
   * week); `released` ones are given back after a failure, so a retry or another way in can process them.
   */
  finishEvents(done: readonly string[], released: readonly string[], now: Date): Promise<void>;
}

/**
 * An outcome event waiting to be published (the outbox): staged `pending` before the run writes
 * to the Hub, `ready` once its change is applied, deleted once the bus accepted it.
 */
export interface OutboxEntry {
  /** `<user>#<runId>`: one per person offboarded by a run. */
  id: string;
  organization: string;
  runId: string;
  user: string;
  /** The changes (by seq in the run) whose outcome decides whether the event is true. */
  seqs: number[];
  status: 'pending' | 'ready';
  /** Pending only: the staging invocation's deadline; after it, the change's fate is checked. */
  until: string;
  /** Being published by an invocation until then (a claim; see claimOutbox). */
  publishingUntil?: string;
  event: { detailType: string; detail: Record<string, unknown> };
}

/** The outbox of outcome events (shared/offboarding/outbox.ts). */
export interface Outbox {
  /** Puts an outbox entry (staged or ready). */
  putOutbox(entry: OutboxEntry): Promise<void>;
  /** The outbox of the organization (oldest runs first per person), or of one person. */
  listOutbox(organization: string, user?: string): Promise<OutboxEntry[]>;
  /** Takes a ready entry to publish it until `until` (a conditional write): false when another invocation has it. */
  claimOutbox(organization: string, id: string, until: Date, now: Date): Promise<boolean>;
  /** Deletes outbox entries (published or dropped), batched. */
  deleteOutbox(organization: string, ids: readonly string[]): Promise<void>;
}
