import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { LATEST_SCHEMA_VERSION, migrations } from './migrations/index.js';

export type Db = Database.Database;

/** Raised, before anything is written, when the file was made by a newer SynthEHR Studio. */
export class DbFromFutureError extends Error {
  constructor(
    readonly path: string,
    readonly fileVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `The database ${path} has schema version ${fileVersion}, written by a newer SynthEHR Studio; ` +
        `this version understands up to ${supportedVersion}. It was not opened or modified: update SynthEHR Studio to use it.`,
    );
    this.name = 'DbFromFutureError';
  }
}

export interface OpenOptions {
  /** Apply migrations up to this version only (tests of upgrade paths). */
  targetVersion?: number;
  readonly?: boolean;
}

/**
 * Opens (creating if needed) the store, refuses files from the future, turns on
 * WAL and foreign keys, and applies pending migrations, each in its own transaction.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false;
  if (readonly && !existsSync(path)) throw new Error(`No database at ${path}.`);
  const db = new Database(path, { readonly, fileMustExist: readonly });
  try {
    // Read the version before any pragma that could write to the file.
    const fileVersion = db.pragma('user_version', { simple: true }) as number;
    if (fileVersion > LATEST_SCHEMA_VERSION) {
      throw new DbFromFutureError(path, fileVersion, LATEST_SCHEMA_VERSION);
    }
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -32768'); // 32 MiB: large imports spill less
      migrate(db, options.targetVersion ?? LATEST_SCHEMA_VERSION);
    } else if (fileVersion < LATEST_SCHEMA_VERSION) {
      throw new Error(`The database ${path} needs an upgrade (version ${fileVersion}); open it writable once.`);
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, target: number): void {
  for (const step of migrations) {
    if (step.version <= schemaVersion(db) || step.version > target) continue;
    db.transaction(() => {
      db.exec(step.up);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
}
