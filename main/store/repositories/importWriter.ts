import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';
import type { VariableRow } from './datasetRepository.js';

/** A variable as an import creates it; categories are set once the whole file is read. */
export type NewVariable = Omit<VariableRow, 'id' | 'categories'>;

export interface ImportLogEntry {
  startedAt: string;
  finishedAt: string;
  mappingJson: string;
  rowsRead: number;
  warningCount: number;
  files: { fileName: string; path: string; sizeBytes: number; sha256: string; rowsRead: number }[];
  warnings: { rule: string; fileName: string; line?: number; column?: string; value?: string; message: string }[];
}

/** Rows buffered per multi-row INSERT: fewer statement calls, same transaction. */
const MEASUREMENT_BATCH = 128;

/**
 * The write side of an import: prepared statements for every table an import
 * fills. The caller owns the transaction (`begin` / `commit` / `rollback`),
 * which spans the whole, streamed import.
 */
export class ImportWriter {
  private readonly insertVariableStmt: Statement;
  private readonly insertPatientStmt: Statement;
  private readonly insertStaticStmt: Statement;
  private readonly insertMeasurementStmt: Statement;
  private readonly insertMeasurementBatchStmt: Statement;
  private readonly insertEventStmt: Statement;
  private readonly insertOutcomeStmt: Statement;
  private readonly setIndexStmt: Statement;
  private readonly batch: (number | string | null)[] = [];
  private keyStatements: { insert: Statement; line: Statement; setLine: Statement } | undefined;
  measurementCount = 0;
  eventCount = 0;

  constructor(private readonly db: Db) {
    this.insertVariableStmt = db.prepare(
      `INSERT INTO variables (dataset_id, name, role, kind, unit, source_file, source_column)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertPatientStmt = db.prepare('INSERT INTO patients (dataset_id, source_key) VALUES (?, ?)');
    this.insertStaticStmt = db.prepare('INSERT INTO static_values (patient_id, variable_id, num, txt) VALUES (?, ?, ?, ?)');
    const one = '(?, ?, ?, ?, ?)';
    const insert = 'INSERT INTO measurements (patient_id, time, variable_id, num, txt) VALUES ';
    this.insertMeasurementStmt = db.prepare(insert + one);
    this.insertMeasurementBatchStmt = db.prepare(insert + Array(MEASUREMENT_BATCH).fill(one).join(', '));
    this.insertEventStmt = db.prepare('INSERT INTO events (patient_id, time, type, source_column) VALUES (?, ?, ?, ?)');
    this.insertOutcomeStmt = db.prepare(
      'INSERT INTO outcomes (patient_id, followup_end, event_time, event_type) VALUES (?, ?, ?, ?)',
    );
    this.setIndexStmt = db.prepare('UPDATE patients SET index_time = ? WHERE id = ?');
  }

  /**
   * Foreign keys are not checked inside the import's transaction: every id an
   * import writes is one it created in that same transaction, and the checks
   * (two index lookups a measurement) cost a third of the insert time. The
   * pragma is a no-op inside a transaction, so it is set around it.
   */
  begin(): void {
    this.db.pragma('foreign_keys = OFF');
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      this.db.pragma('foreign_keys = ON');
      throw err;
    }
  }

  commit(): void {
    this.flushMeasurements();
    this.db.exec('COMMIT');
    this.db.pragma('foreign_keys = ON');
  }

  rollback(): void {
    this.batch.length = 0;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.closeKeyIndex();
    this.db.pragma('foreign_keys = ON');
  }

  datasetExists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(name) !== undefined;
  }

  insertDataset(name: string, description: string | null, timeBasis: 'calendar' | 'relative'): number {
    const info = this.db
      .prepare('INSERT INTO datasets (name, description, time_basis, created_at) VALUES (?, ?, ?, ?)')
      .run(name, description, timeBasis, new Date().toISOString());
    return Number(info.lastInsertRowid);
  }

  insertVariable(datasetId: number, v: NewVariable): number {
    const info = this.insertVariableStmt.run(datasetId, v.name, v.role, v.kind, v.unit, v.sourceFile, v.sourceColumn);
    return Number(info.lastInsertRowid);
  }

  setVariableUnit(variableId: number, unit: string): void {
    this.db.prepare('UPDATE variables SET unit = ? WHERE id = ?').run(unit, variableId);
  }

  setVariableCategories(variableId: number, categories: string[]): void {
    this.db.prepare('UPDATE variables SET categories = ? WHERE id = ?').run(JSON.stringify(categories), variableId);
  }

  insertPatient(datasetId: number, sourceKey: string): number {
    return Number(this.insertPatientStmt.run(datasetId, sourceKey).lastInsertRowid);
  }

  insertStatic(patientId: number, variableId: number, num: number | null, txt: string | null): void {
    this.insertStaticStmt.run(patientId, variableId, num, txt);
  }

  insertMeasurement(patientId: number, time: number, variableId: number, num: number | null, txt: string | null): void {
    const b = this.batch;
    b.push(patientId, time, variableId, num, txt);
    if (b.length === MEASUREMENT_BATCH * 5) {
      this.insertMeasurementBatchStmt.run(b);
      b.length = 0;
    }
    this.measurementCount++;
  }

  private flushMeasurements(): void {
    const b = this.batch;
    for (let i = 0; i < b.length; i += 5) this.insertMeasurementStmt.run(b.slice(i, i + 5));
    b.length = 0;
  }

  /** The rowid of the last measurement stored so far (0 when none): rows stored later have larger ones. */
  lastMeasurementRowid(): number {
    this.flushMeasurements();
    return (this.db.prepare('SELECT max(rowid) FROM measurements').pluck().get() as number | null) ?? 0;
  }

  /**
   * Opens the duplicate-key index for a file whose rows are not grouped by
   * patient: a temp table (not part of the store file) keyed by patient,
   * variable (0 for a whole wide visit) and time, seeded with the measurements
   * stored after `sinceRowid`, i.e. the file's rows so far (their lines unknown: 0).
   */
  openKeyIndex(sinceRowid: number, wholeVisits: boolean): void {
    this.flushMeasurements();
    this.db.exec(`CREATE TEMP TABLE IF NOT EXISTS import_keys (
      patient_id INTEGER NOT NULL, variable_id INTEGER NOT NULL, time REAL NOT NULL, line INTEGER NOT NULL,
      PRIMARY KEY (patient_id, variable_id, time)) WITHOUT ROWID`);
    this.db.exec('DELETE FROM temp.import_keys');
    this.db
      .prepare(`INSERT OR IGNORE INTO temp.import_keys SELECT patient_id, ${wholeVisits ? '0' : 'variable_id'}, time, 0 FROM measurements WHERE rowid > ?`)
      .run(sinceRowid);
    this.keyStatements = {
      insert: this.db.prepare('INSERT OR IGNORE INTO temp.import_keys (patient_id, variable_id, time, line) VALUES (?, ?, ?, ?)'),
      line: this.db.prepare('SELECT line FROM temp.import_keys WHERE patient_id = ? AND variable_id = ? AND time = ?').pluck(),
      setLine: this.db.prepare('INSERT OR REPLACE INTO temp.import_keys (patient_id, variable_id, time, line) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Records a key in the index; returns the line it was first seen on (0: unknown) when it was there already. */
  noteKey(patientId: number, variableId: number, time: number, line: number): number | undefined {
    const s = this.keyStatements!;
    if (s.insert.run(patientId, variableId, time, line).changes === 1) return undefined;
    return s.line.get(patientId, variableId, time) as number;
  }

  /** Records a key with the line it was first seen on, replacing an unknown line. */
  setKeyLine(patientId: number, variableId: number, time: number, line: number): void {
    this.keyStatements!.setLine.run(patientId, variableId, time, line);
  }

  closeKeyIndex(): void {
    if (!this.keyStatements) return;
    this.keyStatements = undefined;
    this.db.exec('DROP TABLE IF EXISTS temp.import_keys');
  }

  insertEvent(patientId: number, time: number, type: string, sourceColumn: string): void {
    this.insertEventStmt.run(patientId, time, type, sourceColumn);
    this.eventCount++;
  }

  insertOutcome(patientId: number, followupEnd: number, eventTime: number | null, eventType: string | null): void {
    this.insertOutcomeStmt.run(patientId, followupEnd, eventTime, eventType);
  }

  setIndexTime(patientId: number, time: number): void {
    this.setIndexStmt.run(time, patientId);
  }

  /** Patients without an explicit index date get their first recorded measurement or event. */
  defaultIndexToFirstRecord(datasetId: number): void {
    this.flushMeasurements();
    this.db
      .prepare(
        `UPDATE patients SET index_time = (
           SELECT min(t) FROM (
             SELECT min(time) AS t FROM measurements WHERE patient_id = patients.id
             UNION ALL SELECT min(time) FROM events WHERE patient_id = patients.id))
         WHERE dataset_id = ? AND index_time IS NULL`,
      )
      .run(datasetId);
  }

  /** Patients whose follow-up ends before their index time, with that index time. */
  followUpBeforeIndex(datasetId: number): { patientId: number; indexTime: number }[] {
    return this.db
      .prepare(
        `SELECT p.id AS patientId, p.index_time AS indexTime FROM patients p JOIN outcomes o ON o.patient_id = p.id
          WHERE p.dataset_id = ? AND o.followup_end < p.index_time`,
      )
      .all(datasetId) as { patientId: number; indexTime: number }[];
  }

  defaultIndexToZero(datasetId: number): void {
    this.db.prepare('UPDATE patients SET index_time = 0 WHERE dataset_id = ? AND index_time IS NULL').run(datasetId);
  }

  writeImportLog(datasetId: number, entry: ImportLogEntry): number {
    const importId = Number(
      this.db
        .prepare(
          `INSERT INTO imports (dataset_id, started_at, finished_at, mapping_json, rows_read, warning_count)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(datasetId, entry.startedAt, entry.finishedAt, entry.mappingJson, entry.rowsRead, entry.warningCount)
        .lastInsertRowid,
    );
    const file = this.db.prepare(
      'INSERT INTO import_files (import_id, file_name, path, size_bytes, sha256, rows_read) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const f of entry.files) file.run(importId, f.fileName, f.path, f.sizeBytes, f.sha256, f.rowsRead);
    const warning = this.db.prepare(
      `INSERT INTO import_warnings (import_id, rule, file_name, line, column_name, value, message)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const w of entry.warnings) {
      warning.run(importId, w.rule, w.fileName, w.line ?? null, w.column ?? null, w.value ?? null, w.message);
    }
    return importId;
  }
}
