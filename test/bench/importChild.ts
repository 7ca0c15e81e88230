// Runs one import in its own process and reports its time and peak memory as JSON on stdout.
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { openDatabase } from '../../main/store/database.js';

const [dbPath, mappingPath] = process.argv.slice(2);
const db = openDatabase(dbPath!);
const started = performance.now();
const result = await importDataset(db, loadMapping(mappingPath!));
const seconds = (performance.now() - started) / 1000;
db.close();
process.stdout.write(
  JSON.stringify({ seconds, rows: result.rowsRead, measurements: result.measurements, maxRssKiB: process.resourceUsage().maxRSS }),
);
