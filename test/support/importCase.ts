import { expect } from 'vitest';
import { ImportError } from '../../main/ingest/errors.js';
import { importDataset } from '../../main/ingest/importer.js';
import { MappingError, type ResolvedMapping } from '../../main/ingest/mapping.js';
import type { Db } from '../../main/store/database.js';
import { mappingIn, storeDigest, tempDir, writeCsv } from './store.js';

/** CSV files and a mapping written to a fresh temp dir, the mapping resolved as the CLI would. */
export function caseFiles(files: Record<string, string | Buffer>, mapping: object): ResolvedMapping {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeCsv(dir, name, text);
  return mappingIn(dir, mapping);
}

/** Imports and expects a refusal: an ImportError (or MappingError) matching `message`, the store untouched. */
export async function expectRefused(db: Db, mapping: ResolvedMapping | (() => ResolvedMapping), message: RegExp): Promise<ImportError | MappingError> {
  const before = storeDigest(db);
  const err = await (async () => importDataset(db, typeof mapping === 'function' ? mapping() : mapping))().catch((e: unknown) => e);
  if (!(err instanceof ImportError || err instanceof MappingError)) throw new Error(`expected a refusal, got ${err instanceof Error ? err.stack : JSON.stringify(err)}`);
  expect(err.message).toMatch(message);
  expect(storeDigest(db)).toBe(before);
  expect(db.inTransaction).toBe(false);
  return err;
}

/** The stored measurements of a dataset as [patient key, variable, time, num, txt], in a stable order. */
export function storedMeasurements(db: Db, datasetId: number): [string, string, number, number | null, string | null][] {
  return db
    .prepare(
      `SELECT p.source_key, v.name, m.time, m.num, m.txt FROM measurements m JOIN patients p ON p.id = m.patient_id
         JOIN variables v ON v.id = m.variable_id WHERE p.dataset_id = ? ORDER BY p.source_key, v.name, m.time, m.num, m.txt`,
    )
    .raw()
    .all(datasetId) as [string, string, number, number | null, string | null][];
}

/** The stored static values of a dataset as [patient key, variable, num, txt]. */
export function storedStatics(db: Db, datasetId: number): [string, string, number | null, string | null][] {
  return db
    .prepare(
      `SELECT p.source_key, v.name, s.num, s.txt FROM static_values s JOIN patients p ON p.id = s.patient_id
         JOIN variables v ON v.id = s.variable_id WHERE p.dataset_id = ? ORDER BY p.source_key, v.name`,
    )
    .raw()
    .all(datasetId) as [string, string, number | null, string | null][];
}

export function variableKind(db: Db, datasetId: number, name: string): string | undefined {
  return db.prepare('SELECT kind FROM variables WHERE dataset_id = ? AND name = ?').pluck().get(datasetId, name) as string | undefined;
}

/** Days since 1970-01-01 of an ISO date-time read as UTC. */
export const utcDays = (iso: string) => Date.parse(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`) / 86_400_000;
