import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';
import type { VariableRow } from './datasetRepository.js';
import { ImportKeyIndex, storedKeysSince, type StoredKeys } from './importKeyIndex.js';
import { RowBatch } from './rowBatch.js';

/** A variable as an import creates it; categories are set once the whole file is read. */
export type NewVariable = Omit<VariableRow, 'id' | 'categories'>;

/** Largest row ids of the tables whose rows an import numbers. */
export interface ImportIds {
  dataset: number;
  variable: number;
  patient: number;
  import: number;
}

/** A warning as the import log stores it. */
export interface StoredWarning {
  rule: string;
  fileName: string;
  line?: number;
  column?: string;
  value?: string;
  message: string;
}

export interface ImportLogEntry {
  startedAt: string;
  finishedAt: string;
  mappingJson: string;
  rowsRead: number;
  warningCount: number;
  files: { fileName: string; path: string; sizeBytes: number; sha256: string; rowsRead: number }[];
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
  /**
   * Opens the duplicate-key index for a file whose rows turned out not grouped by
   * patient, seeded with the file's rows so far; the caller closes it (a rollback too).
   */
  openKeyIndex(wholeVisits: boolean): ImportKeyIndex;
  defaultIndexToFirstRecord(datasetId: number): void;
  defaultIndexToZero(datasetId: number): void;
  followUpBeforeIndex(datasetId: number): { patientId: number; indexTime: number }[];
  /** Stores a warning in the import's log as it is found (the log's own row is written at the end). */
  insertWarning(w: StoredWarning): void;
  writeImportLog(datasetId: number, entry: ImportLogEntry): number;
}

/** The largest ids so far of the rows an import numbers itself (0 when none). */
export function maxImportIds(db: Db): ImportIds {
  const max = (table: string) => (db.prepare(`SELECT max(id) FROM ${table}`).pluck().get() as number | null) ?? 0;
  return { dataset: max('datasets'), variable: max('variables'), patient: max('patients'), import: max('imports') };
}

/** Whether the store has a dataset of this name. */
export function datasetExists(db: Db, name: string): boolean {
  return db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(name) !== undefined;
}


/**
 * The write side of an import: prepared statements for every table an import
 * fills. The caller owns the transaction (`begin` / `commit` / `rollback`),
 * which spans the whole, streamed import.
 */
export class ImportWriter implements ImportSink {
  private readonly insertVariableStmt: Statement;
  private readonly patients: RowBatch;
  private readonly statics: RowBatch;
  private readonly measurements: RowBatch;
  private readonly events: RowBatch;
  private readonly outcomes: RowBatch;
  private readonly setIndexStmt: Statement;
  /** Patients whose row is still in the batch, by id: their index time is set there. */
  private readonly pendingPatients = new Map<number, number>();
  /** Rows are numbered here, from the largest ids when the transaction began (as SQLite would). */
  private ids: ImportIds = { dataset: 0, variable: 0, patient: 0, import: 0 };
  private readonly warnings: RowBatch;
  private keyIndex: ImportKeyIndex | undefined;
  /** The last measurement rowid before the file being read: its rows have larger ones. */
  private fileStartRowid = 0;
  measurementCount = 0;
  eventCount = 0;

  constructor(private readonly db: Db) {
    this.insertVariableStmt = db.prepare(
      `INSERT INTO variables (id, dataset_id, name, role, kind, unit, source_file, source_column)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.patients = new RowBatch(db, 'patients', ['id', 'dataset_id', 'source_key', 'index_time']);
    this.statics = new RowBatch(db, 'static_values', ['patient_id', 'variable_id', 'num', 'txt']);
    this.measurements = new RowBatch(db, 'measurements', ['patient_id', 'time', 'variable_id', 'num', 'txt']);
    this.events = new RowBatch(db, 'events', ['patient_id', 'time', 'type', 'source_column']);
    this.outcomes = new RowBatch(db, 'outcomes', ['patient_id', 'followup_end', 'event_time', 'event_type']);
    this.warnings = new RowBatch(db, 'import_warnings', ['import_id', 'rule', 'file_name', 'line', 'column_name', 'value', 'message']);
    this.setIndexStmt = db.prepare('UPDATE patients SET index_time = ? WHERE id = ?');
  }

  /** Writes every row still waiting in a batch: before anything reads the tables. */
  private flushAll(): void {
    this.flushPatients();
    this.statics.flush();
    this.measurements.flush();
    this.events.flush();
    this.outcomes.flush();
    this.warnings.flush();
  }

  private flushPatients(): void {
    this.patients.flush();
    this.pendingPatients.clear();
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
    this.ids = maxImportIds(this.db);
  }

  commit(): void {
    this.flushAll();
    this.db.exec('COMMIT');
    this.db.pragma('foreign_keys = ON');
  }

  rollback(): void {
    for (const batch of [this.patients, this.statics, this.measurements, this.events, this.outcomes, this.warnings]) batch.clear();
    this.pendingPatients.clear();
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.keyIndex?.close();
    this.keyIndex = undefined;
    this.db.pragma('foreign_keys = ON');
  }

  /** Nothing to release: the connection is the caller's. */
  async close(): Promise<void> {}

  maxIds(): ImportIds {
    return maxImportIds(this.db);
  }

  /** Ids may be given (the write thread's caller numbers its rows ahead, the same way). */
  insertDataset(name: string, description: string | null, timeBasis: 'calendar' | 'relative', id = ++this.ids.dataset): number {
    this.db
      .prepare('INSERT INTO datasets (id, name, description, time_basis, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, name, description, timeBasis, new Date().toISOString());
    return id;
  }

  insertVariable(datasetId: number, v: NewVariable, id = ++this.ids.variable): number {
    this.insertVariableStmt.run(id, datasetId, v.name, v.role, v.kind, v.unit, v.sourceFile, v.sourceColumn);
    return id;
  }

  setVariableUnit(variableId: number, unit: string): void {
    this.db.prepare('UPDATE variables SET unit = ? WHERE id = ?').run(unit, variableId);
  }

  setVariableCategories(variableId: number, categories: string[]): void {
    this.db.prepare('UPDATE variables SET categories = ? WHERE id = ?').run(JSON.stringify(categories), variableId);
  }

  insertPatient(datasetId: number, sourceKey: string, id = ++this.ids.patient): number {
    this.pendingPatients.set(id, this.patients.pending);
    if (this.patients.add(id, datasetId, sourceKey, null)) this.pendingPatients.clear();
    return id;
  }

  insertStatic(patientId: number, variableId: number, num: number | null, txt: string | null): void {
    this.statics.add(patientId, variableId, num, txt);
  }

  insertMeasurement(patientId: number, time: number, variableId: number, num: number | null, txt: string | null): void {
    this.measurements.add(patientId, time, variableId, num, txt);
    this.measurementCount++;
  }

  /** Marks the start of a file: a key index opened while reading it is seeded with the rows stored after this. */
  markFileStart(): void {
    this.measurements.flush();
    this.fileStartRowid = (this.db.prepare('SELECT max(rowid) FROM measurements').pluck().get() as number | null) ?? 0;
  }

  /** The distinct keys of the file's rows stored so far (for a key index kept on another connection). */
  keysSinceFileStart(wholeVisits: boolean): StoredKeys {
    this.measurements.flush();
    return storedKeysSince(this.db, this.fileStartRowid, wholeVisits);
  }

  openKeyIndex(wholeVisits: boolean): ImportKeyIndex {
    this.measurements.flush();
    this.keyIndex = new ImportKeyIndex(this.db);
    this.keyIndex.seedFromMeasurements(this.fileStartRowid, wholeVisits);
    return this.keyIndex;
  }

  insertEvent(patientId: number, time: number, type: string, sourceColumn: string): void {
    this.events.add(patientId, time, type, sourceColumn);
    this.eventCount++;
  }

  insertOutcome(patientId: number, followupEnd: number, eventTime: number | null, eventType: string | null): void {
    this.outcomes.add(patientId, followupEnd, eventTime, eventType);
  }

  /** Warnings name the import's row before it is written: its id is the next one, as the transaction holds the write lock. */
  insertWarning(w: StoredWarning): void {
    this.warnings.add(this.ids.import + 1, w.rule, w.fileName, w.line ?? null, w.column ?? null, w.value ?? null, w.message);
  }

  /** The index time goes into the patient's row while it waits in the batch (the common case), else an UPDATE. */
  setIndexTime(patientId: number, time: number): void {
    const row = this.pendingPatients.get(patientId);
    if (row !== undefined) {
      this.patients.setPending(row, 3, time);
      return;
    }
    this.flushPatients();
    this.setIndexStmt.run(time, patientId);
  }

  /** Patients without an explicit index date get their first recorded measurement or event. */
  defaultIndexToFirstRecord(datasetId: number): void {
    this.flushAll();
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
    this.flushAll();
    return this.db
      .prepare(
        `SELECT p.id AS patientId, p.index_time AS indexTime FROM patients p JOIN outcomes o ON o.patient_id = p.id
          WHERE p.dataset_id = ? AND o.followup_end < p.index_time`,
      )
      .all(datasetId) as { patientId: number; indexTime: number }[];
  }

  defaultIndexToZero(datasetId: number): void {
    this.flushAll();
    this.db.prepare('UPDATE patients SET index_time = 0 WHERE dataset_id = ? AND index_time IS NULL').run(datasetId);
  }

  writeImportLog(datasetId: number, entry: ImportLogEntry): number {
    const importId = ++this.ids.import;
    this.db
      .prepare(
        `INSERT INTO imports (id, dataset_id, started_at, finished_at, mapping_json, rows_read, warning_count)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(importId, datasetId, entry.startedAt, entry.finishedAt, entry.mappingJson, entry.rowsRead, entry.warningCount);
    const file = this.db.prepare(
      'INSERT INTO import_files (import_id, file_name, path, size_bytes, sha256, rows_read) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const f of entry.files) file.run(importId, f.fileName, f.path, f.sizeBytes, f.sha256, f.rowsRead);
    this.warnings.flush();
    return importId;
  }
}
