import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { readCompiledConfig } from '../../shared/runtime/config-model.js';
import { OKTA_EVENT_TYPES } from '../../shared/domain/okta-event.js';

/**
 * `npm run package` builds the CloudFormation template with no AWS account; this reads it and
 * checks the stack: functions and their triggers, one least-privilege role each, the table, the
 * dead-letter queue and the alarms.
 */

type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let conditions: Record<string, unknown>;
const HF_TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-iam-sync/ci/hf-token-AbCdEf';
const OAUTH_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-iam-sync/ci/hf-oauth-GhIjKl';
const OKTA_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-iam-sync/ci/okta-token-MnOpQr';
const HOOK_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-iam-sync/ci/hook-StUvWx';
let dir: string;

beforeAll(async () => {
  // Into a directory of its own (--package), so a run never races a developer's .serverless/.
  dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-package-'));
  await promisify(execFile)('npm', packageArgs('--package', dir), { env: { ...process.env, STAGE: 'ci' } });
  const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
  conditions = template.Conditions;
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const packageArgs = (...more: string[]) => [
  'run',
  'package',
  '--',
  `--param=hfTokenSecretArn=${HF_TOKEN_ARN}`,
  `--param=hfOauthClientSecretArn=${OAUTH_ARN}`,
  `--param=oktaTokenSecretArn=${OKTA_ARN}`,
  `--param=oktaHookSecretArn=${HOOK_ARN}`,
  ...more,
];

/** A function's deployment package: each file's text by its path. */
async function zipEntries(file: string): Promise<Record<string, string>> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: true });
  const entries: Record<string, string> = {};
  await new Promise<void>((resolveAll, reject) => {
    zip
      .on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          const chunks: Buffer[] = [];
          stream
            .on('data', (c: Buffer) => chunks.push(c))
            .on('end', () => {
              entries[entry.fileName] = Buffer.concat(chunks).toString('utf8');
              zip.readEntry();
            })
            .on('error', reject);
        });
      })
      .on('end', () => resolveAll())
      .on('error', reject);
    zip.readEntry();
  });
  return entries;
}

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const fn = (name: string) => ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.FunctionName === `hf-iam-sync-ci-${name}`)?.[1];
const byNameOf = (alarms: ReadonlyArray<readonly [string, Record<string, any>]>) => Object.fromEntries(alarms);
const statements = (role: string) => resources[role]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);

describe('the packaged stack', () => {
  it('has the ten functions on Node.js 22, each with its own role (the broker and its sweeper share one)', () => {
    for (const [name, role] of [
      ['audit-forwarder', 'AuditForwarderRole'],
      ['reconcile', 'ReconcileRole'],
      ['reconcile-job', 'ReconcileJobRole'],
      ['access-review', 'AccessReviewRole'],
      ['okta-event', 'OktaEventRole'],
      ['okta-hook', 'OktaHookRole'],
      ['okta-log-poll', 'OktaLogPollRole'],
      ['rotate-tokens', 'RotateTokensRole'],
      ['ci-token', 'CiTokenRole'],
      ['ci-token-sweeper', 'CiTokenRole'],
    ]) {
      expect(fn(name!)?.Properties).toMatchObject({ Runtime: 'nodejs22.x', Role: { 'Fn::GetAtt': [role, 'Arn'] } });
    }
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('wires the triggers: weekly schedule, Okta partner bus rule with retry and DLQ, Function URL, poll schedule', () => {
    const schedules = ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter((p) => p.ScheduleExpression);
    expect(schedules.map((p) => p.ScheduleExpression).sort()).toEqual([
      'cron(0 6 ? * MON *)',
      'cron(0 7 1 * ? *)',
      'rate(1 hour)',
      'rate(1 minute)',
      'rate(1 minute)',
      'rate(5 minutes)',
    ]);
    const rotate = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.ScheduleExpression === 'rate(1 hour)')![1];
    expect(JSON.stringify(rotate.Properties.Targets)).toContain('RotateDashtokensLambdaFunction');
    const PARTNER_BUS = 'arn:aws:events:us-east-1:000000000000:event-bus/aws.partner/okta.com/example/hf-iam-sync';
    const okta = ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .find((p) => p.EventPattern && p.EventBusName === PARTNER_BUS)!;
    // An offboarding that suspended a token-exchange credential starts rotate-tokens on our own bus.
    const revoke = ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .find((p) => p.EventPattern?.source?.[0] === 'hf-iam-sync')!;
    expect(revoke).toMatchObject({
      EventBusName: { 'Fn::GetAtt': ['EventsBus', 'Name'] },
      EventPattern: { 'detail-type': ['hf-iam-sync.MemberOffboarded'], detail: { exchangedTokens: { credential: [{ exists: true }] } } },
    });
    expect(JSON.stringify(revoke.Targets)).toContain('RotateDashtokensLambdaFunction');
    expect(okta.EventBusName).toBe(PARTNER_BUS);
    expect(okta.EventPattern).toMatchObject({
      source: [{ prefix: 'aws.partner/okta.com/' }],
      'detail-type': ['SystemLog'],
      detail: { outcome: { result: ['SUCCESS'] } },
    });
    // The rule asks Okta for exactly the event types the code acts on (shared/domain/okta-event.ts), no more, no fewer.
    expect([...okta.EventPattern.detail.eventType].sort()).toEqual([...OKTA_EVENT_TYPES].sort());
    // Okta's events go to the queue okta-event consumes, not to the function: a burst waits there, batched.
    expect(okta.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['OktaEventsQueue', 'Arn'] },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: 8 }),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['OktaEventsDlq', 'Arn'] } },
      }),
    ]);
    expect(ofType('AWS::Lambda::Url')).toHaveLength(2);
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) =>
      JSON.stringify(r.Properties.EventSourceArn).includes('OktaEventsQueue'),
    )?.[1];
    expect(mapping!.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['OktaEventsQueue', 'Arn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    expect(JSON.stringify(mapping!.Properties.FunctionName)).toContain('OktaDasheventLambdaFunction');
    // Retried five times by SQS, then the DLQ; visible again only after six times okta-event's timeout.
    expect(resources.OktaEventsQueue!.Properties).toMatchObject({
      VisibilityTimeout: 540,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['OktaEventsDlq', 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(fn('okta-event')!.Properties.VisibilityTimeout).toBeUndefined();
    expect(fn('okta-event')!.Properties.Timeout * 6).toBe(540);
    expect(fn('okta-hook')!.Properties.Environment.Variables.OKTA_EVENTS_QUEUE_URL).toEqual({ Ref: 'OktaEventsQueue' });
  });

  it('scopes every role to its own log group, the table, its secrets and (event functions) our bus', () => {
    for (const [role, fnName] of [
      ['ReconcileRole', 'reconcile'],
      ['ReconcileJobRole', 'reconcile-job'],
      ['OktaEventRole', 'okta-event'],
      ['OktaLogPollRole', 'okta-log-poll'],
    ]) {
      const s = statements(role!);
      expect(s.every((x: any) => x.Resource !== '*' && !JSON.stringify(x.Action).includes('*'))).toBe(true);
      expect(JSON.stringify(s)).toContain(`log-group:/aws/lambda/hf-iam-sync-ci-${fnName}:*`);
      expect(JSON.stringify(s)).toContain(HF_TOKEN_ARN); // by ARN: see the next test
      expect(s.find((x: any) => x.Action.includes('dynamodb:PutItem')).Action).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
      ]);
      // The two audit indexes by name, no wildcard.
      expect(JSON.stringify(s)).toContain('index/gsi1');
      expect(JSON.stringify(s)).not.toContain('index/*');
    }
    expect(JSON.stringify(statements('ReconcileRole'))).not.toContain('events:PutEvents');
    // The job's steps need the table and the Okta/Hub secrets — no bucket, no bus, no plan key.
    expect(JSON.stringify(statements('ReconcileJobRole'))).not.toMatch(/events:PutEvents|s3:|sqs:/);
    const sqsOf = (role: string) => statements(role).filter((x: any) => JSON.stringify(x.Action).includes('sqs:'));
    expect(sqsOf('OktaEventRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
        Resource: { 'Fn::GetAtt': ['OktaEventsQueue', 'Arn'] },
      },
    ]);
    // The hook only queues: its own log group, its secret, SendMessage on the queue — no table, no bus.
    const hook = statements('OktaHookRole');
    expect(hook.every((x: any) => x.Resource !== '*' && !JSON.stringify(x.Action).includes('*'))).toBe(true);
    expect(sqsOf('OktaHookRole')).toEqual([
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['OktaEventsQueue', 'Arn'] } },
    ]);
    expect(JSON.stringify(hook)).not.toMatch(/dynamodb:|events:PutEvents/);
  });

  it("lets rotate-tokens read only the Hub token and the OAuth secret, and write only the consumers' secrets", () => {
    const s = statements('RotateTokensRole');
    const reads = s.find((x: any) => JSON.stringify(x.Action) === '["secretsmanager:GetSecretValue"]');
    expect(reads.Resource).toEqual([
      { 'Fn::If': ['HasHfTokenSecret', HF_TOKEN_ARN, { Ref: 'AWS::NoValue' }] },
      { 'Fn::If': ['HasOauthClientSecret', OAUTH_ARN, { Ref: 'AWS::NoValue' }] },
    ]);
    expect(conditions.HasOauthClientSecret).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [OAUTH_ARN, ''] }] });
    const writes = s.find((x: any) => x.Action.includes('secretsmanager:PutSecretValue'));
    expect(writes.Action.sort()).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(writes.Resource['Fn::Sub']).toMatch(/:secret:hf-iam-sync\/ci\/credentials\/\*$/);
    expect(JSON.stringify(s)).not.toContain('secret:hf-iam-sync/ci/*');
    expect(JSON.stringify(s)).toContain('log-group:/aws/lambda/hf-iam-sync-ci-rotate-tokens:*');
    expect(fn('rotate-tokens')!.Properties.Environment.Variables.HF_OAUTH_CLIENT_SECRET_SECRET_ARN).toBe(OAUTH_ARN);
  });

  it('gives each function only the secrets it reads, by ARN: no prefix, no empty ARN; consumer tokens only to rotate-tokens', () => {
    const secretArns = (role: string) =>
      statements(role)
        .filter((x: any) => JSON.stringify(x.Action).includes('secretsmanager:GetSecretValue'))
        .flatMap((x: any) => (Array.isArray(x.Resource) ? x.Resource : [x.Resource]))
        .map((r: any) => r['Fn::If']?.[1] ?? r['Fn::Sub'] ?? r);
    const common = [OKTA_ARN, HF_TOKEN_ARN, ''];
    for (const role of ['OktaEventRole', 'OktaLogPollRole']) expect(secretArns(role)).toEqual(common);
    // reconcile also reads the approved plans' key (its parameter is empty here: left out by its condition).
    expect(secretArns('ReconcileRole')).toEqual([...common, '']);
    expect(conditions.HasPlanKeySecret).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(secretArns('OktaHookRole')).toEqual([HOOK_ARN]);
    // An empty parameter (hfScimTokenSecretArn here) is left out by its condition, never granted as ''.
    expect(conditions.HasHfScimTokenSecret).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    for (const role of ['ReconcileRole', 'OktaEventRole', 'OktaHookRole', 'OktaLogPollRole']) {
      expect(JSON.stringify(statements(role))).not.toMatch(/secret:hf-iam-sync\/ci\/(\*|credentials)/);
      expect(JSON.stringify(statements(role))).not.toContain(OAUTH_ARN);
    }
    expect(JSON.stringify(statements('ReconcileRole'))).not.toContain(HOOK_ARN);
    // Where each function finds its secrets mirrors what its role may read: the hook secret's ARN only in okta-hook's environment.
    for (const name of ['reconcile', 'okta-event', 'okta-log-poll', 'rotate-tokens'])
      expect(fn(name)!.Properties.Environment.Variables).not.toHaveProperty('OKTA_HOOK_SECRET_SECRET_ARN');
    expect(fn('okta-hook')!.Properties.Environment.Variables.OKTA_HOOK_SECRET_SECRET_ARN).toBe(HOOK_ARN);
  });

  it("caps the public-facing functions' concurrency, and lets only our Okta rule deliver to the queue and dead-letter to the DLQ", () => {
    expect(fn('okta-hook')!.Properties.ReservedConcurrentExecutions).toBe(5);
    expect(fn('okta-event')!.Properties.ReservedConcurrentExecutions).toBe(10);
    expect(fn('okta-event')!.Properties.MemorySize).toBe(1769); // one vCPU: a burst's batch of 100 is CPU-bound
    for (const policy of ['OktaEventsQueuePolicy', 'OktaEventsDlqPolicy']) {
      const [statement] = resources[policy]!.Properties.PolicyDocument.Statement;
      expect(statement).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['OktaSystemLogRule', 'Arn'] } },
        },
      });
    }
    expect(resources.OktaSystemLogRule!.Type).toBe('AWS::Events::Rule');
  });

  it('serves the CI token broker on a public Function URL with capped concurrency; its role reaches only its own table items, the one Hub token and our bus', () => {
    const url = ofType('AWS::Lambda::Url').map(([, r]) => r.Properties);
    expect(url.find((u) => JSON.stringify(u.TargetFunctionArn).includes('CiDashtokenLambda'))).toMatchObject({ AuthType: 'NONE' });
    expect(fn('ci-token')!.Properties).toMatchObject({ ReservedConcurrentExecutions: 10, Timeout: 10 });
    expect(fn('ci-token')!.Properties.Environment.Variables.HF_TOKEN_SECRET_ARN).toEqual({
      'Fn::If': ['HasCiHubTokenSecret', '', HF_TOKEN_ARN],
    });
    const s = statements('CiTokenRole');
    expect(s.every((x: any) => x.Resource !== '*' && !JSON.stringify(x.Action).includes('*'))).toBe(true);
    const table = s.find((x: any) => JSON.stringify(x.Action).includes('dynamodb:'));
    expect(table).toMatchObject({
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CIJTI#*', 'CITOKEN#*', 'RUN#ci-*'] } },
    });
    expect(JSON.stringify(s)).not.toMatch(/index\/|dynamodb:(UpdateItem|DeleteItem)|sqs:|s3:/);
    expect(JSON.stringify(s)).not.toContain(OKTA_ARN);
    expect(JSON.stringify(s)).toContain(HF_TOKEN_ARN);
    const sweep = ofType('AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties.Targets).includes('CiDashtokenDashsweeper'));
    expect(sweep?.[1].Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(resources.CiSweepFailingAlarm!.Properties).toMatchObject({
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: 'hf-iam-sync-ci-ci-token-sweeper' }],
    });
  });

  it('writes the monthly access review to an encrypted, private, TLS-only bucket with a lifecycle rule; its role may only put reviews there and read the state', () => {
    expect(fn('access-review')?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Role: { 'Fn::GetAtt': ['AccessReviewRole', 'Arn'] },
      Environment: { Variables: expect.objectContaining({ ACCESS_REVIEW_BUCKET: { Ref: 'AccessReviewBucket' } }) },
    });
    const bucket = resources.AccessReviewBucket!;
    expect(bucket).toMatchObject({ Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' });
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ Status: 'Enabled', Prefix: 'access-reviews/', ExpirationInDays: 455 })] },
    });
    expect(resources.AccessReviewBucketPolicy!.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    const s = statements('AccessReviewRole');
    expect(s.every((x: any) => x.Resource !== '*' && !JSON.stringify(x.Action).includes('*'))).toBe(true);
    expect(s.find((x: any) => JSON.stringify(x.Action).includes('s3:'))).toEqual({
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['AccessReviewBucket', 'Arn'] }, '/access-reviews/*']] },
    });
    expect(s.find((x: any) => JSON.stringify(x.Action).includes('dynamodb:')).Action).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(JSON.stringify(s)).toContain('events:PutEvents');
    // reconcile reads approved plans there, and nothing else of the bucket.
    const reconcileS3 = statements('ReconcileRole').filter((x: any) => JSON.stringify(x.Action).includes('s3:'));
    expect(reconcileS3).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['AccessReviewBucket', 'Arn'] }, '/approved-plans/*']] },
      },
    ]);
    expect(fn('reconcile')!.Properties.Environment.Variables).toMatchObject({ APPROVED_PLANS_BUCKET: { Ref: 'AccessReviewBucket' } });
  });

  it('keeps the state table with point-in-time recovery, TTL and the two audit indexes', () => {
    const table = resources.StateTable!;
    expect(table).toMatchObject({ Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain' });
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(table.Properties.GlobalSecondaryIndexes.map((i: any) => i.IndexName)).toEqual(['gsi1', 'gsi2']);
  });

  it('alarms on failed offboarding, a non-empty DLQ, failed reconciles, a failing poll, and failed, overdue or stale rotation', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([name, r]) => [name, r.Properties] as const);
    expect(alarms.map(([n]) => n).sort()).toEqual([
      'AuditBacklogAlarm',
      'AuditForwarderSilentAlarm',
      'AuditStreamBehindAlarm',
      'AuditStreamDlqAlarm',
      'CiSweepFailingAlarm',
      'CredentialOverdueAlarm',
      'DeadLetterQueueAlarm',
      'LogPollFailingAlarm',
      'NoSuccessfulReconcileAlarm',
      'OffboardingDelayedAlarm',
      'OffboardingFailedAlarm',
      'OktaStreamSilentAlarm',
      'ReconcileFailedAlarm',
      'ReconcileJobExecutionThrottledAlarm',
      'ReconcileJobExecutionsAbortedAlarm',
      'ReconcileJobExecutionsFailedAlarm',
      'ReconcileJobExecutionsTimedOutAlarm',
      'RotateTokensErrorsAlarm',
      'RotationFailedAlarm',
      'RotationStaleAlarm',
    ]);
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      expect(byNameOf(alarms)[`ReconcileJob${metric}Alarm`]).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'ReconcileJob' } }],
        Threshold: 1,
      });
    }
    expect(alarms.every(([, p]) => JSON.stringify(p.AlarmActions) === JSON.stringify([{ Ref: 'AlarmTopic' }]))).toBe(true);
    const byName = Object.fromEntries(alarms);
    expect(byName.OffboardingFailedAlarm).toMatchObject({ MetricName: 'Errors', Dimensions: [{ Value: 'hf-iam-sync-ci-okta-event' }] });
    expect(byName.OffboardingDelayedAlarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Value: { 'Fn::GetAtt': ['OktaEventsQueue', 'QueueName'] } }],
      Threshold: 300,
    });
    expect(byName.NoSuccessfulReconcileAlarm).toMatchObject({
      Namespace: 'hf-iam-sync',
      MetricName: 'RunsSucceeded',
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(byName.RotationFailedAlarm).toMatchObject({
      Namespace: 'hf-iam-sync',
      MetricName: 'RotationsFailed',
      Statistic: 'Sum',
      Threshold: 1,
    });
    expect(byName.RotateTokensErrorsAlarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Value: 'hf-iam-sync-ci-rotate-tokens' }],
    });
    expect(byName.CredentialOverdueAlarm).toMatchObject({ Namespace: 'hf-iam-sync', MetricName: 'CredentialsOverdue', Threshold: 1 });
    expect(byName.RotationStaleAlarm).toMatchObject({
      Namespace: 'hf-iam-sync',
      MetricName: 'RotationAgeHours',
      Statistic: 'Maximum',
      Threshold: 192,
      TreatMissingData: 'breaching',
    });
    expect(byName.OktaStreamSilentAlarm).toMatchObject({
      Namespace: 'hf-iam-sync',
      MetricName: 'StreamEventsReceived',
      EvaluationPeriods: 6,
      TreatMissingData: 'breaching',
    });
  });

  it('streams our audit records from the table (its stream, filtered to audit items) and reads the Hub on a schedule into a log group it keeps 400 days', () => {
    expect(resources.StateTable!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(resources.AuditLogGroup).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Retain',
      Properties: { LogGroupName: '/hf-iam-sync/ci/audit', RetentionInDays: 400 },
    });
    // A value CloudWatch Logs accepts.
    expect([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]).toContain(
      resources.AuditLogGroup!.Properties.RetentionInDays,
    );
    const forwarder = fn('audit-forwarder')!.Properties;
    expect(forwarder.Environment.Variables).toMatchObject({
      AUDIT_LOG_GROUP: { Ref: 'AuditLogGroup' },
      AUDIT_LOOK_BACK: '1d',
      DATADOG_SITE: 'datadoghq.com',
      DATADOG_API_KEY_SECRET_ARN: '',
    });
    expect(forwarder.Timeout).toBeLessThan(300); // one scheduled run never overlaps the next
    const stream = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) =>
      JSON.stringify(r.Properties.EventSourceArn).includes('StreamArn'),
    )![1].Properties;
    expect(stream).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['StateTable', 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: -1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['AuditStreamDlq', 'Arn'] } } },
    });
    expect(stream.FilterCriteria.Filters.map((f: any) => JSON.parse(f.Pattern).dynamodb.Keys)).toEqual([
      { pk: { S: [{ prefix: 'RUN#' }] }, sk: { S: [{ prefix: 'CHANGE#' }] } },
      { pk: { S: [{ prefix: 'CRED#' }] }, sk: { S: [{ prefix: 'EVENT#' }] } },
    ]);
    const s = statements('AuditForwarderRole');
    expect(s.every((x: any) => x.Resource !== '*' && !JSON.stringify(x.Action).includes('*'))).toBe(true);
    expect(s).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': ['AuditLogGroup', 'Arn'] },
    });
    expect(s.find((x: any) => x.Action.includes('dynamodb:PutItem')).Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['FWD#*', 'FWDQ#*'] },
    });
    expect(JSON.stringify(s)).not.toMatch(/dynamodb:(UpdateItem|DeleteItem|Scan)|events:PutEvents/);
    const byName = Object.fromEntries(ofType('AWS::CloudWatch::Alarm').map(([name, r]) => [name, r.Properties]));
    expect(byName.AuditBacklogAlarm).toMatchObject({
      Namespace: 'hf-iam-sync',
      MetricName: 'AuditBacklogAge',
      Statistic: 'Maximum',
      Threshold: 1800,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(byName.AuditForwarderSilentAlarm).toMatchObject({
      MetricName: 'AuditBacklogAge',
      Statistic: 'SampleCount',
      Period: 1800,
      TreatMissingData: 'breaching',
    });
    expect(byName.AuditStreamBehindAlarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Threshold: 1_800_000 });
  });

  it("has a dashboard whose every metric is one the functions emit, with the dimensions they emit it with, and the auditor's saved queries", async () => {
    const code = await readFile('composition/metrics.ts', 'utf8');
    const emitted = new Set(
      [
        ...code.matchAll(/addMetric\('(\w+)'/g),
        ...code.matchAll(/(\w+EventsReceived)'/g),
        ...code.matchAll(/perDestination\([^,]+, '(\w+)'/g),
      ].map((m) => m[1]!),
    );
    const byDimension = new Map<string, string>([
      ...[...code.matchAll(/perDestination\([^,]+, '(\w+)'/g)].map((m) => [m[1]!, 'destination'] as [string, string]),
      ...[...code.matchAll(/addDimension\('(\w+)'[^;]*;\s*single\.addMetric\('(\w+)'/g)].map((m) => [m[2]!, m[1]!] as [string, string]),
    ]);
    // Every alarm on our namespace reads a metric the code emits.
    for (const [name, alarm] of ofType('AWS::CloudWatch::Alarm'))
      if (alarm.Properties.Namespace === 'hf-iam-sync') expect(emitted, name).toContain(alarm.Properties.MetricName);
    const sub = resources.OperationsDashboard!.Properties.DashboardBody['Fn::Sub'] as string;
    for (const [, ref] of sub.matchAll(/\$\{([^}]+)\}/g)) expect(ref === 'AWS::Region' || ref!.split('.')[0]! in resources, ref).toBe(true);
    const body = JSON.parse(sub.replace(/\$\{[^}]+\}/g, 'x')) as {
      widgets: Array<{ properties: { title: string; metrics: unknown[][] } }>;
    };
    expect(body.widgets.map((w) => w.properties.title)).toEqual([
      'Offboarding delay (ms)',
      'Failed offboardings',
      'Reconcile outcomes',
      'Changes per run',
      'Token age against rotation period (hours)',
      'CI tokens',
      'Out-of-band Hub changes',
      'Audit forwarding',
      'Queue age and DLQ depth',
    ]);
    const AWS_METRICS = {
      'AWS/Lambda': ['Errors'],
      'AWS/SQS': ['ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible'],
    } as Record<string, string[]>;
    let ours = 0;
    for (const widget of body.widgets) {
      expect(widget.properties.metrics.length, widget.properties.title).toBeGreaterThan(0);
      for (const metric of widget.properties.metrics) {
        const search = (metric[0] as { expression?: string }).expression;
        if (search) {
          const [, dimension, name] = /^SEARCH\('\{hf-iam-sync,(\w+),service\} MetricName="(\w+)"'/.exec(search) ?? [];
          expect(emitted, search).toContain(name);
          expect(byDimension.get(name!), `${name} is emitted with the dimension ${dimension}`).toBe(dimension);
          ours += 1;
          continue;
        }
        const [namespace, name, ...rest] = metric as [string, string, ...unknown[]];
        const dimensions = rest.filter((x) => typeof x === 'string');
        if (namespace === 'hf-iam-sync') {
          expect(emitted, `${widget.properties.title}: ${name}`).toContain(name);
          expect(dimensions, `${name}: Powertools' service dimension alone`).toEqual(['service', 'hf-iam-sync']);
          expect(byDimension.has(name), `${name} is emitted with another dimension too`).toBe(false);
          ours += 1;
        } else {
          expect(AWS_METRICS[namespace], `${namespace} ${name}`).toContain(name);
        }
      }
    }
    expect(ours).toBeGreaterThan(15);
    const queries = ofType('AWS::Logs::QueryDefinition').map(([, r]) => r.Properties);
    expect(queries.map((q) => q.Name).sort()).toEqual([
      'hf-iam-sync/ci/Hub changes not made by hf-iam-sync',
      'hf-iam-sync/ci/admin grants',
      'hf-iam-sync/ci/offboardings and their delay from the Okta event',
      'hf-iam-sync/ci/token rotations and CI issuances per credential and policy',
    ]);
    for (const q of queries) expect(q.LogGroupNames).toEqual([{ Ref: 'AuditLogGroup' }]);
    // Each query reads fields the audit records have (domain/audit-record.ts).
    const recordFields = [
      'source',
      'action',
      'actor',
      'targetUser',
      'before.role',
      'after.role',
      'correlation.madeBy',
      'correlation.note',
      'outcome',
      'reason',
      'ids.runId',
      'ids.oktaUserId',
      'ids.oktaEventUuid',
      'oktaEvent.published',
      'oktaEvent.delayMs',
      'credential.name',
      'ci.policy',
    ];
    for (const q of queries) {
      const text = q.QueryString as string;
      const listed = /^fields (.*)$/m
        .exec(text)![1]!
        .split(',')
        .map((f) => f.trim())
        .filter((f) => !f.startsWith('@'));
      const dotted = [...text.matchAll(/(?<![@\w])([a-z]+\.[a-zA-Z]+)/g)].map((m) => m[1]!);
      for (const field of [...listed, ...dotted]) expect(recordFields, `${q.Name}: ${field}`).toContain(field);
    }
  });

  it('runs the weekly organization apply as the ReconcileJob state machine: the validated definition, invoking reconcile-job only, started by the schedule', async () => {
    const machine = resources.ReconcileJob!.Properties;
    expect(machine.RoleArn).toEqual({ 'Fn::GetAtt': ['ReconcileJobStateMachineRole', 'Arn'] });
    // The definition deployed is the file the tests execute, its three tasks bound to reconcile-job.
    const [text, bindings] = machine.DefinitionString['Fn::Sub'] as [string, Record<string, unknown>];
    const definition = JSON.parse(text);
    const { parse } = await import('yaml');
    const source = parse(await readFile('state-machines/reconcile-job.yml', 'utf8'));
    expect(Object.keys(definition.States)).toEqual(Object.keys(source.States));
    const tasks = Object.values(definition.States).filter((s: any) => s.Type === 'Task') as Array<{ Resource: string }>;
    expect(tasks).toHaveLength(3);
    for (const task of tasks)
      expect(bindings[task.Resource.slice(2, -1)]).toEqual({ 'Fn::GetAtt': ['ReconcileDashjobLambdaFunction', 'Arn'] });
    // Least privilege: invoke reconcile-job (and its versions), nothing else; assumed by Step Functions of this account only.
    const role = resources.ReconcileJobStateMachineRole!.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: ['states.amazonaws.com'] },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    expect(statements('ReconcileJobStateMachineRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [
          { 'Fn::GetAtt': ['ReconcileDashjobLambdaFunction', 'Arn'] },
          { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['ReconcileDashjobLambdaFunction', 'Arn'] }, '*']] },
        ],
      },
    ]);
    // The weekly schedule starts an execution (the reconcile function has no schedule of its own any more).
    const weekly = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.ScheduleExpression === 'cron(0 6 ? * MON *)')![1];
    expect(weekly.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { Ref: 'ReconcileJob' }, Input: JSON.stringify({ trigger: 'schedule' }) }),
    ]);
    const starter = weekly.Properties.Targets[0].RoleArn['Fn::GetAtt'][0];
    expect(JSON.stringify(statements(starter))).toContain('states:StartExecution');
    expect(JSON.stringify(fn('reconcile')!.Properties)).not.toContain('Schedule');
    // A manual org apply to the reconcile function starts an execution: it may start this machine, nothing more.
    expect(fn('reconcile')!.Properties.Environment.Variables.RECONCILE_JOB_ARN).toEqual({ Ref: 'ReconcileJob' });
    expect(statements('ReconcileRole').filter((x: any) => JSON.stringify(x.Action).includes('states:'))).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: { Ref: 'ReconcileJob' } },
    ]);
    expect(fn('reconcile-job')!.Properties.Timeout).toBe(900);
    expect(tasks.every((t: any) => t.TimeoutSeconds > 900)).toBe(true);
  });

  it('ships the configuration checked and compiled at package time: every function reads the JSON, whose bundles carry no YAML parser or schema library; a file with problems fails the package', async () => {
    for (const [, f] of ofType('AWS::Lambda::Function'))
      expect(f.Properties.Environment.Variables.HF_IAM_SYNC_CONFIG).toBe('dist/hf-iam-sync.config.json');
    const entries = await zipEntries(join(dir, 'okta-event.zip'));
    expect(Object.keys(entries).sort()).toEqual(['dist/hf-iam-sync.config.json', 'functions/okta-event/handler.cjs']);
    const source = await readFile('config/hf-iam-sync.example.yaml', 'utf8');
    const config = readCompiledConfig(entries['dist/hf-iam-sync.config.json']!, 'dist/hf-iam-sync.config.json');
    expect(config.policy.organization).toBe('acme');
    expect(config.sourceSha256).toBe(createHash('sha256').update(source).digest('hex'));
    expect(entries['functions/okta-event/handler.cjs']).not.toMatch(/ZodError|YAMLParseError/);

    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, source.replace(/maxRemovals:/, 'maxRemoval:'));
    const failed = await promisify(execFile)('npm', packageArgs('--package', join(dir, 'bad'), `--param=configFile=${bad}`), {
      env: { ...process.env, STAGE: 'ci' },
    }).then(
      () => null,
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );
    expect(failed).toContain(`The configuration file ${bad} has problems; nothing was packaged`);
    expect(failed).toMatch(/safety: Unrecognized key: "maxRemoval"/);
  }, 120_000);
});
