import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpstreamError } from '../../runtime/errors.js';

/**
 * The single table's shape and its client. In AWS the stack creates the table (serverless.yml
 * holds the same definition); against a local endpoint it is created on first use.
 *
 *   pk / sk              item identity (see DESIGN.md's table)
 *   gsi1pk / gsi1sk      audit by organization and time
 *   gsi2pk / gsi2sk      audit by person and time
 */

export const TABLE_INDEXES = {
  byOrganization: 'gsi1',
  byUser: 'gsi2',
} as const;

export function createDocumentClient(endpoint: string | undefined): DynamoDBDocumentClient {
  const client = new DynamoDBClient(
    endpoint
      ? { endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {},
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Creates the table if it is missing and waits until it is active. For local endpoints only. */
export async function ensureTable(doc: DynamoDBDocumentClient, table: string): Promise<void> {
  try {
    const found = await doc.send(new DescribeTableCommand({ TableName: table }));
    if (found.Table?.TableStatus === 'ACTIVE') return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) {
      throw new UpstreamError('dynamodb', `describe table ${table}`, (error as Error).message, undefined, { cause: error });
    }
    const key = (name: string) => [
      { AttributeName: `${name}pk`, KeyType: 'HASH' as const },
      { AttributeName: `${name}sk`, KeyType: 'RANGE' as const },
    ];
    await doc.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map((n) => ({
          AttributeName: n,
          AttributeType: 'S' as const,
        })),
        KeySchema: key(''),
        GlobalSecondaryIndexes: [
          { IndexName: TABLE_INDEXES.byOrganization, KeySchema: key('gsi1'), Projection: { ProjectionType: 'ALL' } },
          { IndexName: TABLE_INDEXES.byUser, KeySchema: key('gsi2'), Projection: { ProjectionType: 'ALL' } },
        ],
      }),
    );
  }
  for (let i = 0; i < 100; i += 1) {
    const state = await doc.send(new DescribeTableCommand({ TableName: table }));
    if (state.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new UpstreamError('dynamodb', `create table ${table}`, 'table did not become ACTIVE within 10 s');
}
