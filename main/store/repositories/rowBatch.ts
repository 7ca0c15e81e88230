import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';

/**
 * Rows for one table, written by multi-row INSERTs of `size` rows: one statement
 * call instead of `size` (the rows and their order, hence their rowids, are the
 * same). Rows wait here until the batch is full or `flush` is called; flush
 * before anything reads the table.
 */
export class RowBatch {
  private readonly values: (number | string | null)[] = [];
  private readonly many: Statement;
  private readonly one: Statement;
  private readonly width: number;

  constructor(
    db: Db,
    table: string,
    columns: readonly string[],
    private readonly size = 128,
  ) {
    this.width = columns.length;
    const row = `(${columns.map(() => '?').join(', ')})`;
    const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
    this.one = db.prepare(insert + row);
    this.many = db.prepare(insert + Array(size).fill(row).join(', '));
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.values.length / this.width;
  }

  /** Adds a row; true when that filled the batch and it was written. */
  add(...row: (number | string | null)[]): boolean {
    for (const v of row) this.values.push(v);
    if (this.values.length < this.size * this.width) return false;
    this.flush();
    return true;
  }

  /** Changes one value of a row still waiting (`row` counts from the oldest waiting row). */
  setPending(row: number, column: number, value: number | string | null): void {
    this.values[row * this.width + column] = value;
  }

  flush(): void {
    const v = this.values;
    if (v.length === this.size * this.width) this.many.run(v);
    else for (let i = 0; i < v.length; i += this.width) this.one.run(v.slice(i, i + this.width));
    v.length = 0;
  }

  /** Drops the rows waiting (the transaction is being rolled back). */
  clear(): void {
    this.values.length = 0;
  }
}
