import { InputError } from '../runtime/errors.js';

/**
 * What the audit-forwarder accepts, checked before anything is built: a batch from the table's
 * DynamoDB Stream (`Records[]` with `eventSource: "aws:dynamodb"`), or its schedule's event
 * (`source: "aws.events"`).
 */

export type ForwarderEvent<R> = { kind: 'stream'; records: R[] } | { kind: 'schedule' };

export function parseForwarderEvent<R>(event: unknown): ForwarderEvent<R> {
  const e = (event ?? {}) as { Records?: unknown; source?: unknown };
  if (Array.isArray(e.Records)) {
    const bad = e.Records.findIndex((r) => (r as { eventSource?: unknown })?.eventSource !== 'aws:dynamodb');
    if (bad >= 0)
      throw new InputError(`Invalid audit-forwarder batch: Records[${bad}] is not a DynamoDB Stream record (eventSource "aws:dynamodb")`);
    return { kind: 'stream', records: e.Records as R[] };
  }
  if (e.source === 'aws.events') return { kind: 'schedule' };
  throw new InputError(
    'Invalid audit-forwarder event: expected a DynamoDB Stream batch ({"Records": [...]}, from the table\'s stream) or the schedule\'s event ({"source": "aws.events"})',
  );
}
