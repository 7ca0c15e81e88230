// Run by exportAtomic.test.ts in a child process: exports a set and, once the
// data files are written (before the data card), says so and waits to be killed.
import { readFileSync } from 'node:fs';
import { exportSyntheticSet, type ExportFormat } from '../../main/export/exportSet.js';
import { openDatabase } from '../../main/store/database.js';

const [dbPath, set, format, directory, reportPath] = process.argv.slice(2) as [string, string, ExportFormat, string, string];
const db = openDatabase(dbPath);
const keepAlive = setInterval(() => undefined, 1 << 30);
await exportSyntheticSet(db, {
  set,
  format,
  directory,
  report: JSON.parse(readFileSync(reportPath, 'utf8')),
  overrideReason: 'killed-export test',
  progress: async (message) => {
    if (!message.startsWith('wrote')) return;
    process.stdout.write(`${message}\n`);
    await new Promise(() => undefined);
  },
});
clearInterval(keepAlive);
process.stdout.write('finished\n');
