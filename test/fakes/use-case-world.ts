import type { DomainEvent, EventSink } from '../../shared/ports/event-sink.js';
import type { EventPorts } from '../../shared/offboarding/handle-okta-events.js';
import { parseConfig, type Config } from '../../shared/runtime/config.js';
import { sandboxConfig } from '../../sandbox/seed.js';
import { InMemoryDirectory } from './in-memory-directory.js';
import { InMemoryHubOrg } from './in-memory-hub-org.js';
import { InMemoryTable, inMemoryStateStore } from './in-memory-state.js';

/** Domain events kept in memory, in the order they were published. */
export class InMemoryEventSink implements EventSink {
  readonly published: DomainEvent[] = [];
  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.published.push(...structuredClone(events));
  }
}

/**
 * Everything a use case is given, in memory: Okta, the Hub, the state table, the event bus, a clock
 * the test moves and run ids in order. The configuration is the sandbox's (organization `acme`,
 * rules for hf-acme-admin, hf-acme-write and hf-acme-rg-llm-write, protected root-admin, at most
 * 10 removals a run); the rules' Okta groups exist.
 */
export interface UseCaseWorld {
  directory: InMemoryDirectory;
  hub: InMemoryHubOrg;
  table: InMemoryTable;
  events: InMemoryEventSink;
  ports: EventPorts;
  config: Config;
  /** Moves the clock on. */
  advance(ms: number): void;
}

export function useCaseWorld(configure: (text: string) => string = (t) => t): UseCaseWorld {
  let now = Date.parse('2026-12-07T09:00:00Z');
  const directory = new InMemoryDirectory(() => now);
  const hub = new InMemoryHubOrg();
  const table = new InMemoryTable();
  const events = new InMemoryEventSink();
  let runs = 0;
  const ports: EventPorts = {
    directory,
    hub,
    state: inMemoryStateStore(table),
    events,
    clock: () => new Date(now),
    newRunId: () => `run-${String(++runs).padStart(3, '0')}`,
  };
  const config = parseConfig(configure(sandboxConfig('https://acme.okta.example', 'https://hub.example')), 'sandbox.yaml');
  for (const rule of config.rules) directory.group(rule.group);
  return { directory, hub, table, events, ports, config, advance: (ms) => void (now += ms) };
}
