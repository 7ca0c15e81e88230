import { existsSync, linkSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { bytes, num, table } from '../../common/format.js';
import { importDataset, type ImportResult } from '../../ingest/importer.js';
import { loadMapping } from '../../ingest/mapping.js';
import { checkStorePath, openDatabase, StoreOpenError, type Db } from '../../store/database.js';
import { UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult, type Out } from '../output.js';
import { printWarnings } from '../print/dataset.js';
import { importProgressPrinter, withProgress } from '../progress.js';

export const importCommand = defineCommand({
  name: 'import',
  summary: 'import the CSV files a mapping names, as one dataset',
  usage: ['--mapping FILE [--json]'],
  details:
    'With no store at --db, a new one is built beside it and put in place only when the import succeeds, so a failed import leaves nothing behind. Progress goes to stderr.',
  options: {
    mapping: { type: 'string', arg: 'FILE', help: 'the mapping (JSON) that names the CSV files and how their columns are read' },
    ...commonOptions,
  },
  examples: ['import --mapping resources/mappings/steno2.mapping.json --db study.db'],
  async run({ values, dbPath, out }) {
    if (!values.mapping) throw new UsageError('import needs --mapping FILE');
    const mapping = loadMapping(resolve(values.mapping));
    const result = await withProgress(importProgressPrinter(), (onProgress) => importIntoStore(dbPath, (db) => importDataset(db, mapping, { onProgress })));
    printResult(out, values.json, result, (o, r) => printImport(o, r, dbPath));
    return 0;
  },
});

function printImport(out: Out, result: ImportResult, dbPath: string): void {
  out(`Imported dataset "${result.dataset}" into ${dbPath} in ${result.seconds.toFixed(2)} s`);
  out(table(['file', 'rows', 'size', 'sha256'], result.files.map((f) => [f.name, num(f.rows), bytes(f.sizeBytes), f.sha256.slice(0, 16)]), [false, true, true]));
  out(`patients ${num(result.patients)}, measurements ${num(result.measurements)}, events ${num(result.events)}, outcomes ${num(result.outcomes)}`);
  if (result.timeZone) out(`Date-times without an offset were read in ${result.timeZone} and stored in UTC.`);
  const ungrouped = result.files.filter((f) => !f.groupedByPatient).map((f) => f.name);
  if (ungrouped.length) out(`Rows not grouped by patient in ${ungrouped.join(', ')}: checked for duplicates through an index.`);
  printWarnings(out, result.warningCount, Object.entries(result.warningsByCode).map(([rule, count]) => ({ rule, count })), result.warnings, 10);
}

/**
 * Runs an import into the store at dbPath. A new store is built in a file of
 * its own and linked into place only when the import succeeds, so a failed or
 * killed first import leaves no store behind (and never replaces one that
 * appeared meanwhile: link refuses an existing name).
 */
async function importIntoStore<T>(dbPath: string, work: (db: Db) => Promise<T>): Promise<T> {
  if (existsSync(dbPath)) {
    const db = openDatabase(dbPath);
    try {
      return await work(db);
    } finally {
      db.close();
    }
  }
  const partial = `${dbPath}.partial-${process.pid}`;
  const removePartial = () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
  };
  checkStorePath(dbPath, false); // its folder exists, nothing odd there: said before any work
  let db: Db | undefined = openDatabase(partial);
  try {
    const result = await work(db);
    db.close();
    db = undefined;
    try {
      linkSync(partial, dbPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw new StoreOpenError(dbPath, 'not-a-file', `A store appeared at ${dbPath} while this import ran; it was left as it is and nothing was imported. Run the import again to add the dataset to it.`);
    }
    return result;
  } finally {
    db?.close();
    removePartial();
  }
}
