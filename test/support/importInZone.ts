// Child process for time zone tests: imports a mapping into a new store under this
// process's TZ and prints the stored times and the import log's mapping as JSON.
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { openDatabase } from '../../main/store/database.js';

const [dbPath, mappingPath] = process.argv.slice(2);
const db = openDatabase(dbPath!);
try {
  const result = await importDataset(db, loadMapping(mappingPath!));
  const times = db.prepare('SELECT time FROM measurements ORDER BY rowid').pluck().all();
  const events = db.prepare('SELECT time FROM events ORDER BY rowid').pluck().all();
  const mapping = JSON.parse(db.prepare('SELECT mapping_json FROM imports WHERE id = ?').pluck().get(result.importId) as string);
  process.stdout.write(JSON.stringify({ times, events, timeZone: mapping.timeZone, localZone: Intl.DateTimeFormat().resolvedOptions().timeZone }));
} catch (err) {
  process.stdout.write(JSON.stringify({ error: (err as Error).message }));
} finally {
  db.close();
}
