import { StandInServer, type SandboxResponse } from '../http-kit.js';

/**
 * A stand-in for CloudWatch Logs' JSON protocol (`POST /` with `X-Amz-Target:
 * Logs_20140328.<Operation>`), so the real `@aws-sdk/client-cloudwatch-logs` is tested against it:
 * CreateLogGroup, PutRetentionPolicy, CreateLogStream, PutLogEvents, GetLogEvents.
 *
 * PutLogEvents keeps the limits the API reference documents, refusing what AWS refuses:
 *   - at most 10,000 events, and at most 1,048,576 bytes — each event's message in UTF-8 plus 26
 *     bytes — a call (InvalidParameterException);
 *   - events in chronological order, spanning at most 24 hours (InvalidParameterException);
 *   - an event of at most 256 KiB, message plus 26 bytes (InvalidParameterException);
 *   - a log group and stream that exist (ResourceNotFoundException);
 * and accepting the call while leaving out, in `rejectedLogEventsInfo`, events more than two hours
 * in the future (`tooNewLogEventStartIndex`), older than 14 days (`tooOldLogEventEndIndex`) or
 * older than the group's retention (`expiredLogEventEndIndex`). `throttleNext` answers the next
 * calls with ThrottlingException, as an account over its rate is.
 */

interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

const MAX_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const MAX_EVENT_BYTES = 262_144;
const EVENT_OVERHEAD = 26;
const DAY_MS = 86_400_000;

type Body = {
  logGroupName?: string;
  logStreamName?: string;
  retentionInDays?: number;
  logEvents?: Array<{ timestamp?: number; message?: string }>;
  startFromHead?: boolean;
  limit?: number;
};

export class CloudWatchLogsStandIn extends StandInServer {
  /** Log groups by name: their retention and streams (events in ingestion order). */
  readonly groups = new Map<string, { retentionInDays: number | null; streams: Map<string, LogEvent[]> }>();
  /** Each PutLogEvents call that was accepted: its group, stream and event count. */
  readonly puts: Array<{ group: string; stream: string; events: number }> = [];
  /** The next this-many calls answer ThrottlingException. */
  throttleNext = 0;
  /** Called after a PutLogEvents call was stored, before it is answered (a test's hook: kill the caller there). */
  afterPut: (() => void) | undefined;

  constructor() {
    super();
    this.route('POST', '/', (req) => {
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^Logs_20140328\./, '');
      if (this.throttleNext > 0) {
        this.throttleNext -= 1;
        return error('ThrottlingException', 'Rate exceeded');
      }
      const body = (req.body ?? {}) as Body;
      switch (target) {
        case 'CreateLogGroup':
          return this.#createGroup(body);
        case 'PutRetentionPolicy':
          return this.#retention(body);
        case 'CreateLogStream':
          return this.#createStream(body);
        case 'PutLogEvents':
          return this.#put(body);
        case 'GetLogEvents':
          return this.#get(body);
        default:
          return error('UnknownOperationException', `Operation ${target} is not supported by the stand-in`);
      }
    });
  }

  /** Every message of a stream (or of every stream of the group), in the order they were accepted. */
  messages(group: string, stream?: string): string[] {
    const streams = this.groups.get(group)?.streams;
    if (!streams) return [];
    return [...streams].filter(([name]) => stream === undefined || name === stream).flatMap(([, events]) => events.map((e) => e.message));
  }

  #createGroup(body: Body): SandboxResponse {
    if (!body.logGroupName) return error('InvalidParameterException', '1 validation error detected: logGroupName must not be null');
    if (this.groups.has(body.logGroupName)) return error('ResourceAlreadyExistsException', 'The specified log group already exists');
    this.groups.set(body.logGroupName, { retentionInDays: null, streams: new Map() });
    return ok({});
  }

  #retention(body: Body): SandboxResponse {
    const group = this.groups.get(body.logGroupName ?? '');
    if (!group) return error('ResourceNotFoundException', 'The specified log group does not exist.');
    group.retentionInDays = body.retentionInDays ?? null;
    return ok({});
  }

  #createStream(body: Body): SandboxResponse {
    const group = this.groups.get(body.logGroupName ?? '');
    if (!group) return error('ResourceNotFoundException', 'The specified log group does not exist.');
    if (!body.logStreamName || /[:*]/.test(body.logStreamName))
      return error('InvalidParameterException', 'logStreamName must be 1–512 characters, without : or *');
    if (group.streams.has(body.logStreamName)) return error('ResourceAlreadyExistsException', 'The specified log stream already exists');
    group.streams.set(body.logStreamName, []);
    return ok({});
  }

  #put(body: Body): SandboxResponse {
    const group = this.groups.get(body.logGroupName ?? '');
    if (!group) return error('ResourceNotFoundException', 'The specified log group does not exist.');
    const stream = group.streams.get(body.logStreamName ?? '');
    if (!stream) return error('ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = body.logEvents ?? [];
    const problem = batchProblem(events);
    if (problem) return error('InvalidParameterException', problem);
    const now = Date.now();
    const rejected: Record<string, number> = {};
    const retentionMs = group.retentionInDays ? group.retentionInDays * DAY_MS : Number.POSITIVE_INFINITY;
    events.forEach((e, i) => {
      const t = e.timestamp!;
      if (t > now + 2 * 3_600_000) rejected.tooNewLogEventStartIndex ??= i;
      else if (t < now - 14 * DAY_MS) rejected.tooOldLogEventEndIndex = i;
      else if (t < now - retentionMs) rejected.expiredLogEventEndIndex = i;
      else stream.push({ timestamp: t, message: e.message!, ingestionTime: now });
    });
    this.puts.push({ group: body.logGroupName!, stream: body.logStreamName!, events: events.length });
    this.afterPut?.();
    return ok({
      nextSequenceToken: String(this.puts.length).padStart(56, '0'),
      ...(Object.keys(rejected).length ? { rejectedLogEventsInfo: rejected } : {}),
    });
  }

  #get(body: Body): SandboxResponse {
    const stream = this.groups.get(body.logGroupName ?? '')?.streams.get(body.logStreamName ?? '');
    if (!stream) return error('ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = stream.slice(0, body.limit ?? 10_000);
    return ok({ events, nextForwardToken: `f/${events.length}`, nextBackwardToken: 'b/0' });
  }
}

/** What AWS refuses of a PutLogEvents batch as a whole, or null. */
function batchProblem(events: ReadonlyArray<{ timestamp?: number; message?: string }>): string | null {
  if (events.length === 0) return '1 validation error detected: logEvents must have at least 1 item';
  if (events.length > MAX_EVENTS)
    return `1 validation error detected: logEvents must have at most ${MAX_EVENTS} items (got ${events.length})`;
  let bytes = 0;
  for (const [i, e] of events.entries()) {
    if (typeof e.timestamp !== 'number' || typeof e.message !== 'string' || e.message.length === 0)
      return `logEvents[${i}] needs a timestamp and a non-empty message`;
    const size = Buffer.byteLength(e.message) + EVENT_OVERHEAD;
    if (size > MAX_EVENT_BYTES) return `Log event too large: logEvents[${i}] is ${size} bytes (at most ${MAX_EVENT_BYTES})`;
    bytes += size;
    if (i > 0 && e.timestamp < events[i - 1]!.timestamp!)
      return 'Log events in a single PutLogEvents request must be in chronological order.';
  }
  if (bytes > MAX_BATCH_BYTES) return `Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`;
  if (events.at(-1)!.timestamp! - events[0]!.timestamp! > DAY_MS)
    return 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.';
  return null;
}

const ok = (body: unknown): SandboxResponse => ({ status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.1' } });
const error = (type: string, message: string): SandboxResponse => ({
  status: 400,
  body: { __type: type, message },
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
});
