// Entry of the process that runs an import, off the Electron main thread (a Node
// child process under the renderer tests' bridge). It opens its own connection;
// killing it mid-import leaves the store as it was.
import { parentChannel, type ImportMessage, type ImportRequest } from '../common/workerProtocol.js';
import { importDataset } from '../ingest/importer.js';
import { loadMapping } from '../ingest/mapping.js';
import { openDatabase } from '../store/database.js';

const parent = parentChannel();
const send = (m: ImportMessage) => parent.send(m);

parent.onMessage(async (message) => {
  const data = message as ImportRequest;
  let lastSent = 0;
  try {
    const db = openDatabase(data.dbPath);
    try {
      const result = await importDataset(db, loadMapping(data.mappingPath), {
        onProgress: (progress) => {
          const now = Date.now();
          if (now - lastSent < 100 && progress.bytesRead < progress.bytesTotal) return;
          lastSent = now;
          send({ type: 'progress', progress });
        },
      });
      send({
        type: 'done',
        outcome: { status: 'imported', dataset: result.dataset, patients: result.patients, measurements: result.measurements, warningCount: result.warningCount, seconds: result.seconds },
      });
    } finally {
      db.close();
    }
  } catch (err) {
    send({ type: 'done', outcome: { status: 'failed', message: (err as Error).message } });
  }
});
