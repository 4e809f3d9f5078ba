/** Events of ours, for dashboards and alerts (an EventBridge bus in AWS). */
export interface DomainEvent {
  detailType: string;
  detail: Record<string, unknown>;
}

export interface EventSink {
  /** Publishes every event or throws; a partial failure is an error naming how many were lost. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}
