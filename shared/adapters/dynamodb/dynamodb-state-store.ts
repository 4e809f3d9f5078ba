import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StateStore } from '../../ports/state-store.js';
import { joinRoles } from '../../runtime/join-roles.js';
import { DynamoDbAuditTrail } from './audit-trail.js';
import { DynamoDbCursors } from './cursors.js';
import { DynamoDbDirectorySnapshots } from './directory-snapshots.js';
import { DynamoDbEventClaims } from './event-claims.js';
import { DynamoDbIssuedTokens } from './issued-tokens.js';
import { DynamoDbLeases } from './leases.js';
import { DynamoDbManagedMembers } from './managed-members.js';
import { DynamoDbStoredPlans } from './stored-plans.js';
import { TableOps } from './table-ops.js';

/**
 * The state store on one DynamoDB table: each role's adapter over the same `TableOps`, using only
 * Get/Put/Delete with conditions, BatchWrite and Query, which DynamoDB, DynamoDB Local and dynalite
 * all support. The items each role keeps are listed in its module and in docs/ARCHITECTURE.md.
 */
export function dynamoDbStateStore(doc: DynamoDBDocumentClient, table: string): StateStore {
  const ops = new TableOps(doc, table);
  const reachable = {
    async checkReachable(): Promise<void> {
      try {
        const answer = await doc.send(new DescribeTableCommand({ TableName: table }));
        if (answer.Table?.TableStatus !== 'ACTIVE') throw new Error(`table status is ${answer.Table?.TableStatus}`);
      } catch (error) {
        throw ops.wrap('describe table', error);
      }
    },
  };
  return {
    ...joinRoles(
      new DynamoDbLeases(ops),
      new DynamoDbManagedMembers(ops),
      new DynamoDbAuditTrail(ops),
      new DynamoDbEventClaims(ops),
      new DynamoDbStoredPlans(ops),
      new DynamoDbIssuedTokens(ops),
      new DynamoDbCursors(ops),
      new DynamoDbDirectorySnapshots(ops),
    ),
    ...reachable,
  };
}
