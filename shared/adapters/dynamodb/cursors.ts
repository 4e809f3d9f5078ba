import type { Cursors } from '../../ports/cursors.js';
import type { TableOps } from './table-ops.js';

/** Named cursors on the table: `CURSOR#{name} / CURSOR`. */
export class DynamoDbCursors implements Cursors {
  readonly #ops: TableOps;

  constructor(ops: TableOps) {
    this.#ops = ops;
  }

  async getCursor(name: string): Promise<string | null> {
    const item = await this.#ops.get(`CURSOR#${name}`, 'CURSOR');
    return typeof item?.value === 'string' ? item.value : null;
  }

  async putCursor(name: string, value: string, now: Date): Promise<void> {
    await this.#ops.put({ pk: `CURSOR#${name}`, sk: 'CURSOR', value, updatedAt: now.toISOString() }, `save cursor ${name}`);
  }
}
