import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DbFromFutureError, openDatabase, schemaVersion } from '../../main/store/database.js';
import { LATEST_SCHEMA_VERSION, migrations } from '../../main/store/migrations/index.js';
import { tempDir } from '../support/store.js';

describe('store migrations', () => {
  it('creates a fresh store at the latest version with WAL and foreign keys', () => {
    const path = join(tempDir(), 'fresh.db');
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view')").pluck().all();
    for (const t of ['datasets', 'variables', 'patients', 'static_values', 'measurements', 'events', 'outcomes', 'imports', 'import_files', 'import_warnings', 'measurement_times', 'evaluations']) {
      expect(tables).toContain(t);
    }
    expect(() => db.prepare('INSERT INTO patients (dataset_id, source_key) VALUES (999, ?)').run('x')).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('numbers its steps 1..N without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  for (const from of migrations.map((m) => m.version).filter((v) => v < LATEST_SCHEMA_VERSION)) {
    it(`upgrades a store from version ${from}, keeping its data`, () => {
      const path = join(tempDir(), `v${from}.db`);
      const old = openDatabase(path, { targetVersion: from });
      expect(schemaVersion(old)).toBe(from);
      old.prepare("INSERT INTO datasets (name, time_basis, created_at) VALUES ('old', 'calendar', '2020-01-01')").run();
      old.prepare("INSERT INTO patients (dataset_id, source_key, index_time) VALUES (1, 'p1', 10000)").run();
      old.prepare("INSERT INTO variables (dataset_id, name, role, kind, source_file, source_column) VALUES (1, 'a1c', 'measurement', 'numeric', 'f', 'a1c')").run();
      old.prepare('INSERT INTO measurements (patient_id, time, variable_id, num) VALUES (1, 10030, 1, 55.5)').run();
      old.close();

      const db = openDatabase(path);
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      const row = db.prepare('SELECT num, datetime, days_from_index FROM measurement_times').get();
      expect(row).toEqual({ num: 55.5, datetime: '1997-06-18 00:00:00', days_from_index: 30 });
      db.close();
    });
  }

  it('refuses a store written by a newer version, without modifying it', () => {
    const path = join(tempDir(), 'future.db');
    const future = new Database(path);
    future.exec('CREATE TABLE something_new (x)');
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    future.close();
    const before = createHash('sha256').update(readFileSync(path)).digest('hex');

    expect(() => openDatabase(path)).toThrow(DbFromFutureError);
    expect(() => openDatabase(path)).toThrow(/newer SynthEHR Studio.*not opened or modified/);
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
