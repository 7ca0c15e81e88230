// Entry of the utility process that owns the app's store connection: every
// query and every slow store job (cohorts) runs here, off the Electron main thread.
import { internalStoreMethods, storeMethods, type InternalStoreMethod, type StoreMethod } from '../ipc/storeMethods.js';
import { openDatabase } from '../store/database.js';

interface Request {
  id: number;
  method: StoreMethod | InternalStoreMethod;
  args: unknown[];
}

const dbPath = process.argv[2];
if (!dbPath) throw new Error('storeWorker: no database path');
const db = openDatabase(dbPath);
const methods = { ...storeMethods(db, (event, payload) => process.parentPort.postMessage({ type: 'event', event, payload })), ...internalStoreMethods(db) };

process.parentPort.on('message', async ({ data }: { data: Request }) => {
  try {
    const fn = methods[data.method] as (...args: unknown[]) => unknown;
    if (typeof fn !== 'function') throw new Error(`unknown store method "${String(data.method)}"`);
    process.parentPort.postMessage({ type: 'result', id: data.id, ok: true, value: await fn(...data.args) });
  } catch (err) {
    process.parentPort.postMessage({ type: 'result', id: data.id, ok: false, message: (err as Error).message, name: (err as Error).name });
  }
});
process.on('exit', () => db.close());
