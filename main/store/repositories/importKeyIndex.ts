import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';

/**
 * The duplicate-key index of an import file whose rows are not grouped by
 * patient: a temp table (in the connection's temp file, never the store)
 * keyed by patient, variable (0 for a whole wide visit) and time, holding the
 * line each key was first seen on (0: seeded, line unknown).
 */
export class ImportKeyIndex {
  private readonly insert: Statement;
  private readonly line: Statement;
  private readonly setLineStmt: Statement;

  constructor(private readonly db: Db) {
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS import_keys (
      patient_id INTEGER NOT NULL, variable_id INTEGER NOT NULL, time REAL NOT NULL, line INTEGER NOT NULL,
      PRIMARY KEY (patient_id, variable_id, time)) WITHOUT ROWID`);
    db.exec('DELETE FROM temp.import_keys');
    this.insert = db.prepare('INSERT OR IGNORE INTO temp.import_keys (patient_id, variable_id, time, line) VALUES (?, ?, ?, ?)');
    this.line = db.prepare('SELECT line FROM temp.import_keys WHERE patient_id = ? AND variable_id = ? AND time = ?').pluck();
    this.setLineStmt = db.prepare('INSERT OR REPLACE INTO temp.import_keys (patient_id, variable_id, time, line) VALUES (?, ?, ?, ?)');
  }

  /** Seeds the keys of rows stored in this same connection's transaction after `sinceRowid`. */
  seedFromMeasurements(sinceRowid: number, wholeVisits: boolean): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO temp.import_keys SELECT patient_id, ${wholeVisits ? '0' : 'variable_id'}, time, 0 FROM measurements WHERE rowid > ?`)
      .run(sinceRowid);
  }

  /** Seeds keys read elsewhere (another connection's transaction), line unknown. */
  seed(keys: StoredKeys): void {
    for (let i = 0; i < keys.patients.length; i++) this.insert.run(keys.patients[i], keys.variables[i], keys.times[i], 0);
  }

  /** Records a key; returns the line it was first seen on (0: unknown) when it was there already. */
  note(patientId: number, variableId: number, time: number, line: number): number | undefined {
    if (this.insert.run(patientId, variableId, time, line).changes === 1) return undefined;
    return this.line.get(patientId, variableId, time) as number;
  }

  /** Records a key with the line it was first seen on, replacing an unknown line. */
  setLine(patientId: number, variableId: number, time: number, line: number): void {
    this.setLineStmt.run(patientId, variableId, time, line);
  }

  close(): void {
    this.db.exec('DROP TABLE IF EXISTS temp.import_keys');
  }
}

/** Distinct keys of stored measurements, as parallel columns. */
export interface StoredKeys {
  patients: Float64Array;
  variables: Float64Array;
  times: Float64Array;
}

/** The distinct keys of the measurements stored after `sinceRowid` (variable 0 for whole visits). */
export function storedKeysSince(db: Db, sinceRowid: number, wholeVisits: boolean): StoredKeys {
  const rows = db
    .prepare(`SELECT DISTINCT patient_id, ${wholeVisits ? '0' : 'variable_id'}, time FROM measurements WHERE rowid > ?`)
    .raw()
    .iterate(sinceRowid) as IterableIterator<[number, number, number]>;
  let keys: StoredKeys = { patients: new Float64Array(1024), variables: new Float64Array(1024), times: new Float64Array(1024) };
  let n = 0;
  for (const [p, v, t] of rows) {
    if (n === keys.patients.length) keys = grown(keys, n * 2);
    keys.patients[n] = p;
    keys.variables[n] = v;
    keys.times[n] = t;
    n++;
  }
  return grown(keys, n);
}

function grown(keys: StoredKeys, size: number): StoredKeys {
  const column = (from: Float64Array) => {
    const to = new Float64Array(size);
    to.set(from.subarray(0, Math.min(size, from.length)));
    return to;
  };
  return { patients: column(keys.patients), variables: column(keys.variables), times: column(keys.times) };
}
