import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  CreateLogStreamCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchLogsStandIn } from '../../sandbox/aws/cloudwatch-logs-stand-in.js';
import { CloudWatchLogsDestination } from '../../shared/adapters/cloudwatch-logs/cloudwatch-destination.js';
import { AUDIT_RECORD_SCHEMA, type AuditRecord } from '../../shared/domain/audit-record.js';

/**
 * The CloudWatch Logs stand-in checked by @aws-sdk/client-cloudwatch-logs against PutLogEvents'
 * documented limits and errors, and the audit destination delivering within them.
 */

let logs: CloudWatchLogsStandIn;
let client: CloudWatchLogsClient;

beforeEach(async () => {
  logs = new CloudWatchLogsStandIn();
  await logs.start();
  client = new CloudWatchLogsClient({
    endpoint: logs.baseUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  await client.send(new CreateLogGroupCommand({ logGroupName: 'audit' }));
  await client.send(new PutRetentionPolicyCommand({ logGroupName: 'audit', retentionInDays: 400 }));
});
afterEach(async () => {
  client.destroy();
  await logs.stop();
});

const hubRecord = (i: number, time: string, hubBytes = 200): AuditRecord => ({
  schema: AUDIT_RECORD_SCHEMA,
  id: `hub:${i.toString(16).padStart(24, '0')}`,
  time,
  source: 'hub',
  organization: 'acme',
  action: 'repo.create',
  actor: 'ada-acme',
  targetUser: null,
  before: null,
  after: null,
  outcome: null,
  ids: { hubEventId: String(i) },
  reason: `Created repo acme/model-${i}`,
  correlation: { madeBy: 'out-of-band', author: 'ada-acme' },
  hub: { _id: String(i), message: 'x'.repeat(hubBytes) },
});

describe('CloudWatch Logs stand-in, as the SDK sees it', () => {
  it("refuses what PutLogEvents refuses, with the API's error types", async () => {
    await client.send(new CreateLogStreamCommand({ logGroupName: 'audit', logStreamName: 's' }));
    const put = (logEvents: Array<{ timestamp: number; message: string }>, stream = 's') =>
      client.send(new PutLogEventsCommand({ logGroupName: 'audit', logStreamName: stream, logEvents })).then(
        () => 'ok',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    const now = Date.now();
    expect(
      await put([
        { timestamp: now, message: 'b' },
        { timestamp: now - 1, message: 'a' },
      ]),
    ).toMatch(/^InvalidParameterException: .*chronological order/);
    expect(
      await put([
        { timestamp: now - 25 * 3_600_000, message: 'a' },
        { timestamp: now, message: 'b' },
      ]),
    ).toMatch(/^InvalidParameterException: .*24 hours/);
    expect(await put(Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'a' })))).toMatch(
      /^InvalidParameterException: .*at most 10000/,
    );
    expect(await put(Array.from({ length: 5 }, () => ({ timestamp: now, message: 'x'.repeat(250_000) })))).toMatch(
      /^InvalidParameterException: Upload too large/,
    );
    expect(await put([{ timestamp: now, message: 'x'.repeat(262_200) }])).toMatch(/^InvalidParameterException: Log event too large/);
    expect(await put([{ timestamp: now, message: 'a' }], 'nope')).toMatch(
      /^ResourceNotFoundException: The specified log stream does not exist/,
    );
    const answer = await client.send(
      new PutLogEventsCommand({
        logGroupName: 'audit',
        logStreamName: 's',
        logEvents: [
          { timestamp: now - 14 * 86_400_000 - 3_600_000, message: 'old' },
          { timestamp: now - 14 * 86_400_000 + 3_600_000, message: 'new' },
        ],
      }),
    );
    expect(answer.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 0 });
    const read = await client.send(new GetLogEventsCommand({ logGroupName: 'audit', logStreamName: 's' }));
    expect(read.events?.map((e) => e.message)).toEqual(['new']);
    logs.throttleNext = 1;
    expect(await put([{ timestamp: now, message: 'a' }])).toMatch(/^ThrottlingException/);
  });
});

describe('CloudWatch Logs audit destination', () => {
  it('forwards 20,000 Hub events of one export in batches within the limits (chronological, ≤ 10,000 events, ≤ 1 MiB), each once', async () => {
    const start = Date.now() - 3 * 3_600_000;
    // Out of order, as an export may be; some large enough that the byte limit cuts first.
    const records = Array.from({ length: 20_000 }, (_, i) =>
      hubRecord(i, new Date(start + ((i * 7919) % 20_000) * 500).toISOString(), i % 50 === 0 ? 20_000 : 200),
    );
    const destination = new CloudWatchLogsDestination(client, 'audit');
    const result = await destination.deliver(records);
    expect(result).toEqual({ accepted: 20_000, refused: [] });
    const delivered = logs.messages('audit').map((m) => (JSON.parse(m) as AuditRecord).id);
    expect(new Set(delivered).size).toBe(20_000);
    expect(logs.puts.length).toBeGreaterThan(2);
    expect(logs.takeViolations()).toEqual([]);
  });

  it('reports events CloudWatch refuses for their age, and shortens a record too large for one event', async () => {
    const old = hubRecord(1, new Date(Date.now() - 20 * 86_400_000).toISOString());
    const big = hubRecord(2, new Date().toISOString(), 300_000);
    const result = await new CloudWatchLogsDestination(client, 'audit').deliver([old, big]);
    expect(result).toEqual({ accepted: 1, refused: [{ id: old.id, reason: 'older than 14 days' }] });
    const [message] = logs.messages('audit');
    expect(JSON.parse(message!)).toMatchObject({ id: big.id, hubTruncated: true });
  });
});
