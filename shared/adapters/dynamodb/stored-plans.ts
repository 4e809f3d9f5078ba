import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Change } from '../../domain/plan.js';
import type { StoredPlan, StoredPlans } from '../../ports/stored-plans.js';
import { ConflictError, LeaseLostError } from '../../runtime/errors.js';
import { mapLimit } from '../../runtime/map-limit.js';
import { pad, unkeyed, type TableOps } from './table-ops.js';

/**
 * Stored plans on the table:
 *
 *   RUN#{runId}  / PLAN            an org run's stored plan: owner, cursor, counts (conditional updates)
 *   RUN#{runId}  / PLAN#{n}        its changes n × chunkSize …, in apply order (JSON, < 400 KB an item)
 */
export class DynamoDbStoredPlans implements StoredPlans {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
  }

  async putStoredPlan(plan: StoredPlan, chunks: readonly Change[][]): Promise<void> {
    // The header goes last: a plan whose header exists is complete.
    await mapLimit(
      chunks.map((changes, index) => ({ changes, index })),
      8,
      ({ changes, index }) =>
        this.#ops.put(
          { pk: `RUN#${plan.runId}`, sk: `PLAN#${pad(index)}`, changes: JSON.stringify(changes) },
          `store chunk ${index} of run ${plan.runId}'s plan`,
        ),
    );
    await this.#ops.put({ pk: `RUN#${plan.runId}`, sk: 'PLAN', ...plan }, `store run ${plan.runId}'s plan`);
  }

  async getStoredPlan(runId: string): Promise<StoredPlan | null> {
    const item = await this.#ops.get(`RUN#${runId}`, 'PLAN');
    return item ? unkeyed<StoredPlan>(item) : null;
  }

  async getStoredPlanChunk(runId: string, index: number): Promise<Change[]> {
    const item = await this.#ops.get(`RUN#${runId}`, `PLAN#${pad(index)}`);
    if (!item) throw new ConflictError(`Run ${runId}'s stored plan has no chunk ${index}; the plan is incomplete and cannot be applied.`);
    return JSON.parse(String(item.changes)) as Change[];
  }

  async advanceStoredPlan(
    runId: string,
    owner: string,
    fromCursor: number,
    next: Pick<StoredPlan, 'cursor' | 'counts' | 'batches' | 'status'>,
    now: Date,
  ): Promise<void> {
    try {
      await this.#ops.doc.send(
        new UpdateCommand({
          TableName: this.#ops.table,
          Key: { pk: `RUN#${runId}`, sk: 'PLAN' },
          UpdateExpression: 'SET #cursor = :cursor, #counts = :counts, batches = :batches, #status = :status, updatedAt = :now',
          ConditionExpression: '#owner = :owner AND #cursor = :from',
          ExpressionAttributeNames: { '#owner': 'owner', '#cursor': 'cursor', '#counts': 'counts', '#status': 'status' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':from': fromCursor,
            ':cursor': next.cursor,
            ':counts': next.counts,
            ':batches': next.batches,
            ':status': next.status,
            ':now': now.toISOString(),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(`stored plan of run ${runId}`, { cause: error });
      throw this.#ops.wrap(`checkpoint run ${runId}`, error);
    }
  }

  async takeOverStoredPlan(runId: string, owner: string, now: Date): Promise<void> {
    try {
      await this.#ops.doc.send(
        new UpdateCommand({
          TableName: this.#ops.table,
          Key: { pk: `RUN#${runId}`, sk: 'PLAN' },
          UpdateExpression: 'SET #owner = :owner, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :finished',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':finished': 'finished', ':now': now.toISOString() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`Run ${runId} has no stored plan left to apply (it finished, or it was never an organization apply).`);
      throw this.#ops.wrap(`take over run ${runId}`, error);
    }
  }
}
