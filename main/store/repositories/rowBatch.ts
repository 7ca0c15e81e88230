import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';

type Cell = number | string | null;

/**
 * Rows for one table, written by multi-row INSERTs of `size` rows: one statement
 * call instead of `size` (the rows and their order, hence their rowids, are the
 * same). Rows wait here until the batch is full or `flush` is called; flush
 * before anything reads the table.
 */
export class RowBatch {
  private readonly values: Cell[] = [];
  private readonly many: Statement;
  private readonly one: Statement;
  private readonly width: number;

  constructor(
    db: Db,
    table: string,
    columns: readonly string[],
    private readonly size = 128,
  ) {
    if (columns.length < 4 || columns.length > 7) throw new Error(`a row batch has 4 to 7 columns, not ${columns.length}`);
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

  /**
   * Adds a row of 4 to 7 values (those past the table's width are ignored); true when
   * that filled the batch and it was written. Spelled out rather than a rest parameter:
   * this runs for every row of an import, and each call would make an array.
   */
  add(a: Cell, b: Cell, c: Cell, d: Cell, e: Cell = null, f: Cell = null, g: Cell = null): boolean {
    const v = this.values;
    v.push(a, b, c, d);
    if (this.width > 4) v.push(e);
    if (this.width > 5) v.push(f);
    if (this.width > 6) v.push(g);
    if (v.length < this.size * this.width) return false;
    this.flush();
    return true;
  }

  /** Changes one value of a row still waiting (`row` counts from the oldest waiting row). */
  setPending(row: number, column: number, value: Cell): void {
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
