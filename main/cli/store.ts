import { resolve } from 'node:path';
import { openDatabase, type Db } from '../store/database.js';

/** The store a command works on: --db, else $SYNTHEHR_DB, else ./synthehr.db. */
export function storePath(db: string | undefined): string {
  return resolve(db ?? process.env.SYNTHEHR_DB ?? 'synthehr.db');
}

/** Every command but import works on a store that exists: a mistyped --db says so instead of creating an empty store. */
export function openStore(dbPath: string): Db {
  return openDatabase(dbPath, { mustExist: true });
}

/** Runs `work` on the existing store at dbPath and closes the store after. */
export async function withStore<T>(dbPath: string, work: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openStore(dbPath);
  try {
    return await work(db);
  } finally {
    db.close();
  }
}
