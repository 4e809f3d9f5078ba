/** A durable queue of Okta events waiting to be processed (Amazon SQS in AWS). */
export interface EventQueue {
  /** Sends each body as one message; answers the positions the queue refused, each with why. */
  send(bodies: readonly string[]): Promise<Array<{ index: number; reason: string }>>;
}
