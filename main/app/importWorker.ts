// Entry of the utility process that runs an import, off the Electron main thread.
// It opens its own connection; killing it mid-import leaves the store as it was.
import { importDataset } from '../ingest/importer.js';
import { loadMapping } from '../ingest/mapping.js';
import { openDatabase } from '../store/database.js';

interface Start {
  dbPath: string;
  mappingPath: string;
}

process.parentPort.once('message', async ({ data }: { data: Start }) => {
  let lastSent = 0;
  try {
    const db = openDatabase(data.dbPath);
    try {
      const result = await importDataset(db, loadMapping(data.mappingPath), {
        onProgress: (progress) => {
          const now = Date.now();
          if (now - lastSent < 100 && progress.bytesRead < progress.bytesTotal) return;
          lastSent = now;
          process.parentPort.postMessage({ type: 'progress', progress });
        },
      });
      process.parentPort.postMessage({
        type: 'done',
        outcome: { status: 'imported', dataset: result.dataset, patients: result.patients, measurements: result.measurements, warningCount: result.warningCount, seconds: result.seconds },
      });
    } finally {
      db.close();
    }
  } catch (err) {
    process.parentPort.postMessage({ type: 'done', outcome: { status: 'failed', message: (err as Error).message } });
  }
});
