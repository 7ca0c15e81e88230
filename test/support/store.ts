import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping, resolveMapping, type ResolvedMapping } from '../../main/ingest/mapping.js';
import { openDatabase, type Db } from '../../main/store/database.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const MAPPINGS = join(ROOT, 'resources', 'mappings');

export function tempDir(prefix = 'synthehr-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function freshStore(): { db: Db; path: string; dir: string } {
  const dir = tempDir();
  const path = join(dir, 'store.db');
  return { db: openDatabase(path), path, dir };
}

export async function importWorkedExample(db: Db, name: 'steno2' | 'icu') {
  return importDataset(db, loadMapping(join(MAPPINGS, `${name}.mapping.json`)));
}

/** A mapping object written beside its CSV files in `dir`. */
export function mappingIn(dir: string, mapping: object): ResolvedMapping {
  const path = join(dir, 'mapping.json');
  writeFileSync(path, JSON.stringify(mapping));
  return resolveMapping(mapping, path, dir);
}

export function writeCsv(dir: string, name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every row of every table, hashed: equal digests mean the store is exactly as it was. */
export function storeDigest(db: Db): string {
  const hash = createHash('sha256');
  hash.update(String(db.pragma('user_version', { simple: true })));
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  for (const t of tables) {
    hash.update(t);
    for (const row of db.prepare(`SELECT * FROM "${t}"`).raw().iterate()) hash.update(JSON.stringify(row));
  }
  return hash.digest('hex');
}
