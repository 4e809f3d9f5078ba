import type { Config } from '../runtime/config.js';
import { handleOktaEvents, type EventOutcome, type EventPorts } from './handle-okta-events.js';

/**
 * The System Log poll: the safety net under log streaming and event hooks (a stream Okta
 * deactivated, a lost delivery). Reads `/api/v1/logs` ascending from the persisted `next` link and
 * hands each page to the same handler; claims make events seen elsewhere duplicates.
 *
 * The cursor advances only after a page was handled without failures and without events another
 * delivery is still processing, so neither a failed offboarding nor one a crashed invocation held
 * is ever passed: the next poll reads it again. The first poll starts `lookbackMs` in the past.
 */

const LOG_CURSOR = 'okta-logs';

export interface PollResult {
  pages: number;
  events: number;
  outcomes: EventOutcome[];
  caughtUp: boolean;
}

export async function pollOktaLogs(
  ports: EventPorts,
  config: Config,
  options: { maxPages?: number; lookbackMs?: number } = {},
): Promise<PollResult> {
  const since = new Date(ports.clock().getTime() - (options.lookbackMs ?? 15 * 60_000));
  let cursor = await ports.state.getCursor(LOG_CURSOR);
  const result: PollResult = { pages: 0, events: 0, outcomes: [], caughtUp: false };
  while (result.pages < (options.maxPages ?? 10)) {
    const page = await ports.directory.readLogPage(cursor, since);
    result.pages += 1;
    result.events += page.events.length;
    if (page.events.length > 0) {
      const handled = await handleOktaEvents(ports, config, page.events, 'poll');
      result.outcomes.push(...handled.outcomes);
      // The cursor never passes an event that failed or that another delivery is still processing:
      // the next poll reads it again (by then it is done, or its claim has ended with its invocation).
      if (handled.outcomes.some((o) => o.outcome === 'failed' || o.outcome === 'in-progress')) return result;
    }
    if (page.next && page.next !== cursor) {
      cursor = page.next;
      await ports.state.putCursor(LOG_CURSOR, cursor, ports.clock());
    }
    if (page.events.length === 0) {
      result.caughtUp = true;
      return result;
    }
  }
  return result;
}
