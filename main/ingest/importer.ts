import type { ImportProgressDto } from '../../preload/contract.js';
import { existsSync, statSync } from 'node:fs';
import type { Db } from '../store/database.js';
import { ImportWriteQueue } from '../store/importWriteQueue.js';
import { datasetExists, ImportWriter, type ImportSink } from '../store/repositories/importWriter.js';
import { notAFile, readCsv } from './csvReader.js';
import { ImportError, type ImportWarning } from './errors.js';
import { FileImporter, refuseFollowUpBeforeIndex, type DatasetContext, type PatientState } from './fileImporter.js';
import type { ResolvedMapping } from './mapping.js';
import { localTimeZone } from './timeZone.js';
import { missingTest } from './values.js';
import { WarningLog } from './warnings.js';

export type ImportProgress = ImportProgressDto;

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Aborting stops the import at the next chunk; nothing of it stays in the store. */
  signal?: AbortSignal;
}

export interface ImportedFile {
  name: string;
  path: string;
  sizeBytes: number;
  sha256: string;
  rows: number;
  /** False when the rows of one patient were found apart; the file was then read through a key index. */
  groupedByPatient: boolean;
}

export interface ImportResult {
  datasetId: number;
  dataset: string;
  importId: number;
  patients: number;
  measurements: number;
  events: number;
  outcomes: number;
  rowsRead: number;
  files: ImportedFile[];
  warningCount: number;
  warningsByCode: Record<string, number>;
  /** Zone that times without an offset were read in (calendar datasets): the mapping's, or the workstation's. */
  timeZone?: string;
  /** The first warnings in full (all of them are counted). */
  warnings: ImportWarning[];
  seconds: number;
}

/**
 * Imports the files of a mapping as one new dataset, all or nothing: the
 * whole import is one transaction, so a bad cell, a crash or a kill leaves
 * the store exactly as it was. Patient files are read first so that every
 * other file can be checked against them.
 */
export async function importDataset(db: Db, mapping: ResolvedMapping, options: ImportOptions = {}): Promise<ImportResult> {
  const started = new Date();
  for (const f of mapping.files) {
    if (!existsSync(f.absolutePath)) throw new ImportError({ file: f.name }, `file not found at ${f.absolutePath}`);
    const stat = statSync(f.absolutePath);
    if (!stat.isFile()) throw new ImportError({ file: f.name }, notAFile(f.absolutePath, stat.isDirectory(), 'a CSV file'));
  }
  if (!mapping.files.some((f) => f.patients)) {
    throw new ImportError({ file: mapping.source }, 'no file is marked "patients": true');
  }
  if (datasetExists(db, mapping.dataset)) {
    throw new ImportError({ file: mapping.source }, `a dataset named "${mapping.dataset}" already exists in this store; choose another "dataset" name`);
  }
  const writer = openSink(db);
  try {
    return await importInto(writer, started, mapping, options);
  } finally {
    await writer.close();
  }
}

/**
 * The writes go to a thread of their own (reading and writing then use two cores)
 * unless the store lives in memory, where no other connection can reach it.
 */
function openSink(db: Db): ImportSink {
  return db.memory ? new ImportWriter(db) : ImportWriteQueue.open(db);
}

async function importInto(writer: ImportSink, started: Date, mapping: ResolvedMapping, options: ImportOptions): Promise<ImportResult> {
  const calendar = mapping.time.basis === 'calendar';
  const timeZone = mapping.timeZone ?? localTimeZone();
  const ordered = [...mapping.files.filter((f) => f.patients), ...mapping.files.filter((f) => !f.patients)];
  const warnings = new WarningLog((w) => writer.insertWarning({ rule: w.code, fileName: w.file, line: w.line, column: w.column, value: w.value, message: w.message }));
  const files: ImportedFile[] = [];
  writer.begin();
  try {
    const datasetId = writer.insertDataset(mapping.dataset, mapping.description ?? null, mapping.time.basis);
    const context: DatasetContext = {
      datasetId,
      mapping,
      writer,
      warnings,
      isMissing: missingTest(mapping.missing),
      patients: new Map(),
      variables: new Map(),
      statics: new Map(),
      patientFileNames: ordered.filter((f) => f.patients).map((f) => f.name),
      timeZone,
    };
    for (const [fileIndex, file] of ordered.entries()) {
      const importer = new FileImporter(context, file);
      const read = await readCsv({
        file: file.name,
        path: file.absolutePath,
        onHeader: (header) => importer.onHeader(header),
        onRow: (fields, line) => importer.onRow(fields, line),
        onProgress: (bytesRead, bytesTotal, rows) => {
          options.signal?.throwIfAborted();
          options.onProgress?.({ file: file.name, fileIndex, fileCount: ordered.length, bytesRead, bytesTotal, rows });
        },
      });
      importer.finish();
      files.push({
        name: file.name,
        path: file.absolutePath,
        sizeBytes: statSync(file.absolutePath).size,
        sha256: read.sha256,
        rows: read.rows,
        groupedByPatient: importer.groupedByPatient,
      });
    }
    for (const codec of context.variables.values()) {
      if (codec.kind === 'categorical' || codec.kind === 'binary') writer.setVariableCategories(codec.id, codec.sortedLevels());
    }
    if (calendar) writer.defaultIndexToFirstRecord(datasetId);
    else writer.defaultIndexToZero(datasetId);
    refuseNegativeFollowUp(writer, datasetId, context);
    const rowsRead = files.reduce((n, f) => n + f.rows, 0);
    const finished = new Date();
    const importId = writer.writeImportLog(datasetId, {
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      // The zone is recorded as resolved: "local" means nothing once the store moves to another workstation.
      mappingJson: JSON.stringify({ ...(stripResolved(mapping) as object), ...(calendar ? { timeZone } : {}) }),
      rowsRead,
      warningCount: warnings.total,
      files: files.map((f) => ({ fileName: f.name, path: f.path, sizeBytes: f.sizeBytes, sha256: f.sha256, rowsRead: f.rows })),
    });
    writer.commit();
    const outcomes = [...context.patients.values()].filter((p) => p.outcome !== undefined).length;
    return {
      datasetId,
      dataset: mapping.dataset,
      importId,
      patients: context.patients.size,
      measurements: writer.measurementCount,
      events: writer.eventCount,
      outcomes,
      rowsRead,
      files,
      warningCount: warnings.total,
      warningsByCode: warnings.byCode(),
      ...(calendar ? { timeZone } : {}),
      warnings: warnings.kept,
      seconds: (finished.getTime() - started.getTime()) / 1000,
    };
  } catch (err) {
    writer.rollback();
    throw err;
  }
}

/** Follow-up ending before a default index (first record, or offset 0) is found once the defaults are set. */
function refuseNegativeFollowUp(writer: ImportSink, datasetId: number, context: DatasetContext): void {
  const found = writer.followUpBeforeIndex(datasetId);
  if (found.length === 0) return;
  const byId = new Map<number, PatientState>([...context.patients.values()].map((p) => [p.id, p]));
  const first = found.map((f) => ({ patient: byId.get(f.patientId)!, indexTime: f.indexTime })).sort((a, b) => a.patient.outcome!.line - b.patient.outcome!.line)[0]!;
  refuseFollowUpBeforeIndex(first.patient, context.mapping.time.basis, first.indexTime);
}

/** The mapping as the user wrote it, for the import log (absolute paths are in import_files). */
function stripResolved(mapping: ResolvedMapping): unknown {
  const { source: _source, files, ...rest } = mapping;
  return { ...rest, files: files.map(({ absolutePath: _abs, ...f }) => f) };
}
