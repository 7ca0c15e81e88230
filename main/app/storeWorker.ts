// Entry of the process that owns the app's store connection: every store call
// and every slow store job (cohorts) runs here, off the Electron main thread.
// The same file runs as a Node child process under the renderer tests' bridge.
import { errorToWire, UserError } from '../common/errors.js';
import { parentChannel, type StoreMessage, type StoreRequest } from '../common/workerProtocol.js';
import { internalStoreHandlers, storeHandlers } from '../ipc/storeHandlers.js';
import { openDatabase } from '../store/database.js';

const dbPath = process.argv[2];
if (!dbPath) throw new Error('storeWorker: no database path');
const db = openDatabase(dbPath);
const parent = parentChannel();
const send = (m: StoreMessage) => parent.send(m);
const methods: Record<string, (...args: unknown[]) => unknown> = {
  ...storeHandlers(db, (event, payload) => send({ type: 'event', event, payload })),
  ...internalStoreHandlers(db),
} as never;

parent.onMessage(async (message) => {
  const request = message as StoreRequest;
  try {
    const fn = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
    if (!fn) throw new Error(`unknown store method "${String(request.method)}"`);
    send({ type: 'result', id: request.id, ok: true, value: await fn(...request.args) });
  } catch (err) {
    if (!(err instanceof UserError)) console.error(`store process: ${request.method} failed:`, err);
    send({ type: 'result', id: request.id, ok: false, error: errorToWire(err) });
  }
});
process.on('exit', () => db.close());
