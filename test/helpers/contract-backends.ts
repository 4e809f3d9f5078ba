import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedDynamo } from '../../shared/adapters/dynamodb/embedded.js';
import { createDocumentClient, ensureTable } from '../../shared/adapters/dynamodb/table.js';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../../sandbox/dynamodb-local.js';

/**
 * Where a port's contract test runs: the DynamoDB adapter on dynalite and on DynamoDB Local
 * (skipped, with the reason, without Java), and the in-memory implementation the unit tests use.
 * `onTable` builds the adapters on a fresh table named `contract`; `memory` builds the fakes.
 */

export interface ContractBackend<S> {
  name: string;
  skip: string | null;
  start: () => Promise<S & { stop: () => Promise<void> }>;
}

export function contractBackends<S>(
  onTable: (doc: DynamoDBDocumentClient, table: string) => S,
  memory: () => S,
): Array<ContractBackend<S>> {
  const served = async (server: { endpoint: string; stop: () => Promise<void> }) => {
    const doc = createDocumentClient(server.endpoint);
    await ensureTable(doc, 'contract');
    return {
      ...onTable(doc, 'contract'),
      stop: async () => {
        doc.destroy();
        await server.stop();
      },
    };
  };
  return [
    {
      name: 'dynalite',
      skip: null,
      start: async () => {
        const s = await startEmbeddedDynamo();
        return served({ endpoint: s.endpoint, stop: s.close });
      },
    },
    { name: 'DynamoDB Local', skip: dynamoDbLocalUnavailable(), start: async () => served(await startDynamoDbLocal()) },
    { name: 'memory', skip: null, start: async () => ({ ...memory(), stop: async () => undefined }) },
  ];
}
