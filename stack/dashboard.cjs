// The stack's CloudWatch dashboard (serverless.yml: OperationsDashboard), as data: each widget's
// title, what it shows and its metrics. `body` is the DashboardBody CloudFormation receives (a
// Fn::Sub: the region and the queues' names are the stack's). Every hf-iam-sync metric named here
// is one composition/metrics.ts emits, with the dimensions it emits it with (service, and
// `credential` or `destination` where it adds one); package-template.test.ts fails on a mismatch.
// The README's dashboard table is `widgets` rendered (test/unit/build/dashboard-doc.test.ts keeps them equal).

const NS = 'hf-iam-sync';
const SERVICE = ['service', 'hf-iam-sync'];
const ours = (name, options = {}) => [NS, name, ...SERVICE, options];
const search = (dimension, name, stat, period, label) => ({
  expression: `SEARCH('{${NS},${dimension},service} MetricName="${name}"', '${stat}', ${period})`,
  label,
  id: `${name.toLowerCase()}${stat.toLowerCase()}`,
});

/** [title, what it shows, metrics, extra properties]; laid out three to a row. */
const widgets = [
  [
    'Offboarding delay (ms)',
    'p50 and p99 from the Okta event to the Hub change, and the people offboarded',
    [
      ours('OffboardingLatency', { stat: 'p50', label: 'p50' }),
      ours('OffboardingLatency', { stat: 'p99', label: 'p99' }),
      ours('MembersOffboarded', { stat: 'Sum', label: 'offboarded', yAxis: 'right' }),
    ],
  ],
  [
    'Failed offboardings',
    'Okta events whose handling failed (retried, then dead-lettered) and okta-event errors',
    [
      ours('OktaEventsFailed', { stat: 'Sum', label: 'failed Okta events' }),
      ['AWS/Lambda', 'Errors', 'FunctionName', '${OktaDasheventLambdaFunction}', { stat: 'Sum', label: 'okta-event errors' }],
    ],
  ],
  [
    'Reconcile outcomes',
    'runs, and runs that completed with no failed change',
    [ours('RunsSucceeded', { stat: 'SampleCount', label: 'runs' }), ours('RunsSucceeded', { stat: 'Sum', label: 'succeeded' })],
  ],
  [
    'Changes per run',
    'changes applied, failed, and held back by a guard',
    [
      ours('ChangesApplied', { stat: 'Sum', label: 'applied' }),
      ours('ChangesFailed', { stat: 'Sum', label: 'failed' }),
      ours('ChangesBlocked', { stat: 'Sum', label: 'blocked' }),
    ],
  ],
  [
    'Token age against rotation period (hours)',
    "each credential's current token age beside its rotateEvery; age above the period is overdue",
    [
      [search('credential', 'RotationAgeHours', 'Maximum', 3600, 'age')],
      [search('credential', 'RotationPeriodHours', 'Maximum', 3600, 'period')],
    ],
    { period: 3600 },
  ],
  [
    'CI tokens',
    'tokens the broker issued, exchanges it refused, and exchanges that failed (nothing issued)',
    [
      ours('CiTokensIssued', { stat: 'Sum', label: 'issued' }),
      ours('CiTokensRefused', { stat: 'Sum', label: 'refused' }),
      ours('CiExchangeFailures', { stat: 'Sum', label: 'failed' }),
    ],
  ],
  [
    'Out-of-band Hub changes',
    'Hub audit events no change of hf-iam-sync explains (made on the Hub by hand)',
    [ours('HubEventsOutOfBand', { stat: 'Sum', label: 'out of band' })],
  ],
  [
    'Audit forwarding',
    'the oldest record each destination still lacks (s; alarm at 1,800), and records forwarded',
    [
      [search('destination', 'AuditBacklogAge', 'Maximum', 300, 'backlog age')],
      [search('destination', 'AuditRecordsForwarded', 'Sum', 300, 'forwarded')],
    ],
  ],
  [
    'Queue age and DLQ depth',
    "the Okta events queue's oldest message (s), and messages waiting in the dead-letter queues",
    [
      [
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        '${OktaEventsQueue.QueueName}',
        { stat: 'Maximum', label: 'queue: oldest (s)' },
      ],
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        '${OktaEventsDlq.QueueName}',
        { stat: 'Maximum', label: 'Okta events DLQ', yAxis: 'right' },
      ],
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        '${AuditStreamDlq.QueueName}',
        { stat: 'Maximum', label: 'audit stream DLQ', yAxis: 'right' },
      ],
    ],
  ],
];

const dashboard = {
  widgets: widgets.map(([title, , metrics, extra = {}], i) => ({
    type: 'metric',
    x: (i % 3) * 8,
    y: Math.floor(i / 3) * 6,
    width: 8,
    height: 6,
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', stacked: false, period: 300, metrics, ...extra },
  })),
};

module.exports = { widgets, dashboard, body: { 'Fn::Sub': JSON.stringify(dashboard) } };
