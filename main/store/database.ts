import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LATEST_SCHEMA_VERSION, migrations } from './migrations/index.js';
import { UserError, type ErrorCode } from '../common/errors.js';

export type Db = Database.Database;

/** Raised, before anything is written, when the file was made by a newer SynthEHR Studio. */
export class DbFromFutureError extends UserError {
  readonly code: ErrorCode = 'store-too-new';
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

/** Raised, before anything is written, when a path cannot be (or must not be) opened as a store. */
export class StoreOpenError extends UserError {
  override name = 'StoreOpenError';
  readonly code: ErrorCode = 'store-unavailable';
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'not-a-file' | 'not-sqlite' | 'foreign' | 'busy',
    message: string,
  ) {
    super(message);
  }
}

export interface OpenOptions {
  /** Apply migrations up to this version only (tests of upgrade paths). */
  targetVersion?: number;
  readonly?: boolean;
  /** Refuse a path with no file instead of creating an empty store there (every caller but an import). */
  mustExist?: boolean;
}

/** Milliseconds a statement waits for another process's write to finish before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = Number(process.env.SYNTHEHR_BUSY_TIMEOUT_MS) || 60_000;

const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Checks a store path before SQLite sees it: a regular SQLite file, or (when allowed) nothing yet. */
export function checkStorePath(path: string, mustExist: boolean): void {
  if (!existsSync(path)) {
    if (mustExist) throw new StoreOpenError(path, 'missing', `There is no store at ${path}; nothing was created.`);
    if (!existsSync(dirname(path))) throw new StoreOpenError(path, 'missing', `The folder ${dirname(path)} does not exist, so no store can be created at ${path}.`);
    return;
  }
  const stat = statSync(path);
  if (stat.isDirectory()) throw new StoreOpenError(path, 'not-a-file', `${path} is a folder, not a store: give the path of a store file (for example study.db).`);
  if (!stat.isFile()) throw new StoreOpenError(path, 'not-a-file', `${path} is not a regular file (a device, pipe or socket), so it cannot be a store.`);
  if (stat.size === 0) return; // an empty file is an empty SQLite database
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) {
    throw new StoreOpenError(path, 'not-sqlite', `${path} is not a SynthEHR store: it is not an SQLite database. It was not opened or modified.`);
  }
}

/**
 * Opens (creating if needed) the store, refuses files from the future, turns on
 * WAL and foreign keys, and applies pending migrations, each in its own transaction.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false;
  checkStorePath(path, readonly || (options.mustExist ?? false));
  const db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  try {
    // Read the version before any pragma that could write to the file.
    const fileVersion = db.pragma('user_version', { simple: true }) as number;
    if (fileVersion > LATEST_SCHEMA_VERSION) {
      throw new DbFromFutureError(path, fileVersion, LATEST_SCHEMA_VERSION);
    }
    if (fileVersion === 0) refuseForeignDatabase(db, path);
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
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

/** A version-0 file with tables belongs to another program: migrating it would write our tables into it. */
function refuseForeignDatabase(db: Db, path: string): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 5").pluck().all() as string[];
  if (tables.length > 0) {
    throw new StoreOpenError(path, 'foreign', `${path} is an SQLite database of another program (tables ${tables.join(', ')}), not a SynthEHR store. It was not modified.`);
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
