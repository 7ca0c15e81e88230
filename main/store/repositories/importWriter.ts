import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';
import type { VariableRow } from './datasetRepository.js';
import { ImportKeyIndex, storedKeysSince, type StoredKeys } from './importKeyIndex.js';

/** A variable as an import creates it; categories are set once the whole file is read. */
export type NewVariable = Omit<VariableRow, 'id' | 'categories'>;

/** Largest row ids of the tables whose rows an import numbers. */
export interface ImportIds {
  dataset: number;
  variable: number;
  patient: number;
}

export interface ImportLogEntry {
  startedAt: string;
  finishedAt: string;
  mappingJson: string;
  rowsRead: number;
  warningCount: number;
  files: { fileName: string; path: string; sizeBytes: number; sha256: string; rowsRead: number }[];
  warnings: { rule: string; fileName: string; line?: number; column?: string; value?: string; message: string }[];
}

/**
 * Where an import's rows go: the writer itself (same thread, same connection), or
 * the queue to a write thread (main/store/importWriteQueue.ts). Ids returned are the
 * rows' ids in the store; `begin` to `commit` (or `rollback`) is one transaction.
 */
export interface ImportSink {
  readonly measurementCount: number;
  readonly eventCount: number;
  begin(): void;
  commit(): void;
  rollback(): void;
  /** Releases what the sink holds (the write thread), after commit or rollback. */
  close(): Promise<void>;
  datasetExists(name: string): boolean;
  insertDataset(name: string, description: string | null, timeBasis: 'calendar' | 'relative'): number;
  insertVariable(datasetId: number, v: NewVariable): number;
  setVariableUnit(variableId: number, unit: string): void;
  setVariableCategories(variableId: number, categories: string[]): void;
  insertPatient(datasetId: number, sourceKey: string): number;
  insertStatic(patientId: number, variableId: number, num: number | null, txt: string | null): void;
  insertMeasurement(patientId: number, time: number, variableId: number, num: number | null, txt: string | null): void;
  insertEvent(patientId: number, time: number, type: string, sourceColumn: string): void;
  insertOutcome(patientId: number, followupEnd: number, eventTime: number | null, eventType: string | null): void;
  setIndexTime(patientId: number, time: number): void;
  /** Marks the start of a file: a key index opened while reading it is seeded with the file's rows stored after this. */
  markFileStart(): void;
  /** Opens the duplicate-key index for a file whose rows turned out not grouped by patient. */
  openKeyIndex(wholeVisits: boolean): void;
  /** Records a key; returns the line it was first seen on (0: unknown) when it was there already. */
  noteKey(patientId: number, variableId: number, time: number, line: number): number | undefined;
  setKeyLine(patientId: number, variableId: number, time: number, line: number): void;
  closeKeyIndex(): void;
  defaultIndexToFirstRecord(datasetId: number): void;
  defaultIndexToZero(datasetId: number): void;
  followUpBeforeIndex(datasetId: number): { patientId: number; indexTime: number }[];
  writeImportLog(datasetId: number, entry: ImportLogEntry): number;
}

/** The largest ids so far of the rows an import numbers itself (0 when none). */
export function maxImportIds(db: Db): ImportIds {
  const max = (table: string) => (db.prepare(`SELECT max(id) FROM ${table}`).pluck().get() as number | null) ?? 0;
  return { dataset: max('datasets'), variable: max('variables'), patient: max('patients') };
}

/** Whether the store has a dataset of this name. */
export function datasetExists(db: Db, name: string): boolean {
  return db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(name) !== undefined;
}

/** Rows buffered per multi-row INSERT: fewer statement calls, same transaction. */
const MEASUREMENT_BATCH = 128;

/**
 * The write side of an import: prepared statements for every table an import
 * fills. The caller owns the transaction (`begin` / `commit` / `rollback`),
 * which spans the whole, streamed import.
 */
export class ImportWriter implements ImportSink {
  private readonly insertVariableStmt: Statement;
  private readonly insertPatientStmt: Statement;
  private readonly insertStaticStmt: Statement;
  private readonly insertMeasurementStmt: Statement;
  private readonly insertMeasurementBatchStmt: Statement;
  private readonly insertEventStmt: Statement;
  private readonly insertOutcomeStmt: Statement;
  private readonly setIndexStmt: Statement;
  private readonly batch: (number | string | null)[] = [];
  private keyIndex: ImportKeyIndex | undefined;
  /** The last measurement rowid before the file being read: its rows have larger ones. */
  private fileStartRowid = 0;
  measurementCount = 0;
  eventCount = 0;

  constructor(private readonly db: Db) {
    // Ids may be given (the write thread's caller numbers its rows ahead); null lets SQLite choose, the same way.
    this.insertVariableStmt = db.prepare(
      `INSERT INTO variables (id, dataset_id, name, role, kind, unit, source_file, source_column)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertPatientStmt = db.prepare('INSERT INTO patients (id, dataset_id, source_key) VALUES (?, ?, ?)');
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

  /** Nothing to release: the connection is the caller's. */
  async close(): Promise<void> {}

  datasetExists(name: string): boolean {
    return datasetExists(this.db, name);
  }

  maxIds(): ImportIds {
    return maxImportIds(this.db);
  }

  insertDataset(name: string, description: string | null, timeBasis: 'calendar' | 'relative', id: number | null = null): number {
    const info = this.db
      .prepare('INSERT INTO datasets (id, name, description, time_basis, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, name, description, timeBasis, new Date().toISOString());
    return Number(info.lastInsertRowid);
  }

  insertVariable(datasetId: number, v: NewVariable, id: number | null = null): number {
    const info = this.insertVariableStmt.run(id, datasetId, v.name, v.role, v.kind, v.unit, v.sourceFile, v.sourceColumn);
    return Number(info.lastInsertRowid);
  }

  setVariableUnit(variableId: number, unit: string): void {
    this.db.prepare('UPDATE variables SET unit = ? WHERE id = ?').run(unit, variableId);
  }

  setVariableCategories(variableId: number, categories: string[]): void {
    this.db.prepare('UPDATE variables SET categories = ? WHERE id = ?').run(JSON.stringify(categories), variableId);
  }

  insertPatient(datasetId: number, sourceKey: string, id: number | null = null): number {
    return Number(this.insertPatientStmt.run(id, datasetId, sourceKey).lastInsertRowid);
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

  /** Marks the start of a file: a key index opened while reading it is seeded with the rows stored after this. */
  markFileStart(): void {
    this.flushMeasurements();
    this.fileStartRowid = (this.db.prepare('SELECT max(rowid) FROM measurements').pluck().get() as number | null) ?? 0;
  }

  /** The distinct keys of the file's rows stored so far (for a key index kept on another connection). */
  keysSinceFileStart(wholeVisits: boolean): StoredKeys {
    this.flushMeasurements();
    return storedKeysSince(this.db, this.fileStartRowid, wholeVisits);
  }

  /** Opens the duplicate-key index for a file whose rows are not grouped by patient, seeded with the file's rows so far. */
  openKeyIndex(wholeVisits: boolean): void {
    this.flushMeasurements();
    this.keyIndex = new ImportKeyIndex(this.db);
    this.keyIndex.seedFromMeasurements(this.fileStartRowid, wholeVisits);
  }

  noteKey(patientId: number, variableId: number, time: number, line: number): number | undefined {
    return this.keyIndex!.note(patientId, variableId, time, line);
  }

  setKeyLine(patientId: number, variableId: number, time: number, line: number): void {
    this.keyIndex!.setLine(patientId, variableId, time, line);
  }

  closeKeyIndex(): void {
    this.keyIndex?.close();
    this.keyIndex = undefined;
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
