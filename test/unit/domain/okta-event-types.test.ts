import { describe, expect, it } from 'vitest';
import catalogue from '../../fixtures/reference/okta-event-types.json' with { type: 'json' };
import { OKTA_EVENT_TYPES } from '../../../shared/domain/okta-event.js';

/** The event types the sync acts on are Okta's: each in its catalogue, and one an Event Hook may subscribe to. */

describe('the Okta event types the sync acts on', () => {
  it("are in Okta's event type catalogue, each eligible for an Event Hook", () => {
    const byType = new Map(catalogue.eventTypes.map((e) => [e.eventType, e]));
    for (const type of OKTA_EVENT_TYPES) {
      expect(byType.get(type), `${type} is not in Okta's catalogue`).toBeDefined();
      expect(byType.get(type)!.eventHookEligible, `${type} cannot be sent to an Event Hook`).toBe(true);
    }
    expect(new Set(OKTA_EVENT_TYPES).size).toBe(OKTA_EVENT_TYPES.length);
  });
});
