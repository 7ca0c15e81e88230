// The thread that does an import's writes (main/store/importWriteQueue.ts is its other end):
// its own connection to the store, one transaction, ops applied in the order they came.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, type Db } from './database.js';
import { applyOps, Control, type ThreadCall, type ThreadData, type ThreadMessage } from './importOps.js';
import { ImportWriter, type ImportIds } from './repositories/importWriter.js';

const { dbPath, control: shared, replies } = workerData as ThreadData;
const control = new Int32Array(shared);
const port = parentPort!;
let db: Db | undefined;
let writer: ImportWriter | undefined;
/** The first thing that failed: the transaction is rolled back and every later call answers with it. */
let failure: string | undefined;

try {
  db = openDatabase(dbPath, { mustExist: true });
  writer = new ImportWriter(db);
} catch (err) {
  fail(err);
}
signal(Control.started);

port.on('message', (m: ThreadMessage) => {
  switch (m.type) {
    case 'begin':
      attempt(() => begin(m.expected));
      break;
    case 'ops':
      if (failure === undefined) attempt(() => applyOps(writer!, m.numbers, m.strings));
      signal(Control.batchesApplied);
      break;
    case 'call':
      answer(m);
      break;
    case 'close':
      db?.close();
      port.close();
  }
});

/** Takes the write lock; the caller numbered its rows from the largest ids it read before: they must not have moved. */
function begin(expected: ImportIds): void {
  writer!.begin();
  const found = writer!.maxIds();
  if (found.dataset !== expected.dataset || found.variable !== expected.variable || found.patient !== expected.patient || found.import !== expected.import) {
    throw new Error('another program wrote to the store as this import started; nothing was imported: run the import again');
  }
}

function answer(m: ThreadCall): void {
  let reply: { value?: unknown; failed?: string } = {};
  if (m.name === 'rollback') {
    // Also after a failure (already rolled back then): the caller's cleanup must not fail again.
    attempt(() => writer?.rollback());
  } else if (failure === undefined) {
    attempt(() => {
      reply = { value: call(m) };
    });
  }
  if (failure !== undefined && m.name !== 'rollback') reply = { failed: failure };
  replies.postMessage(reply);
  signal(Control.replies);
}

function call(m: ThreadCall): unknown {
  const w = writer!;
  switch (m.name) {
    case 'failure':
      return undefined; // answered with the failure when there is one
    case 'keysSinceFileStart':
      return w.keysSinceFileStart(m.args[0] as boolean);
    case 'followUpBeforeIndex':
      return w.followUpBeforeIndex(m.args[0] as number);
    case 'writeImportLog':
      return w.writeImportLog(m.args[0] as number, m.args[1] as Parameters<ImportWriter['writeImportLog']>[1]);
    case 'commit':
      w.commit();
      return undefined;
  }
}

function attempt(work: () => void): void {
  try {
    work();
  } catch (err) {
    fail(err);
  }
}

function fail(err: unknown): void {
  if (failure !== undefined) return;
  failure = (err as Error).message;
  Atomics.store(control, Control.failed, 1);
  try {
    writer?.rollback();
  } catch {
    // The connection is unusable; closing it (or the process ending) rolls back as well.
  }
}

function signal(slot: number): void {
  Atomics.add(control, slot, 1);
  Atomics.notify(control, slot);
}
