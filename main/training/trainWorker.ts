// The training process: an Electron utility process in the app, a Node child
// process under the CLI; the same code. It owns its store connection, streams
// progress, and on "cancel" stops after a checkpoint.
import { openDatabase, type Db } from '../store/database.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import type { BackendName } from './backend.js';
import { resume, train, type TrainRequest } from './engine.js';

const PARENT_GONE_MESSAGE = 'The process that started training went away (killed or closed); resume from the last checkpoint.';

export type TrainCommand = { type: 'start'; dbPath: string; request: TrainRequest } | { type: 'resume'; dbPath: string; runId: number; backend?: BackendName | 'auto' } | { type: 'cancel' };

interface Port {
  postMessage(m: unknown): void;
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
}
const electronPort = (process as unknown as { parentPort?: Port }).parentPort;
/**
 * To the parent. Under the CLI a message sent after the parent went would be an
 * unhandled 'error' event that ends this process before it can mark its run
 * failed ('disconnect' below), so a closed channel is skipped and a failed send ignored.
 */
const send = (m: unknown) => {
  if (electronPort) electronPort.postMessage(m);
  else if (process.connected) process.send?.(m, undefined, {}, () => {});
};
const onMessage = (fn: (m: TrainCommand) => void) =>
  electronPort ? electronPort.on('message', (e) => fn(e.data as TrainCommand)) : process.on('message', (m) => fn(m as TrainCommand));

let stop = false;
let lastSent = 0;
/** The run being trained and its store connection, so that a run this process abandons is marked failed. */
let current: { db: Db; runId?: number } | undefined;

// Under the CLI: if the parent goes (killed, crashed), so does training; the last checkpoint stays
// and the run is marked failed (resumable), never left "running".
if (!electronPort) {
  process.on('disconnect', () => {
    if (current?.runId !== undefined) new TrainingRepository(current.db).setStatus(current.runId, 'failed', PARENT_GONE_MESSAGE);
    process.exit(1);
  });
}
onMessage((cmd) => {
  if (cmd.type === 'cancel') {
    stop = true;
    return;
  }
  void run(cmd);
});

async function run(cmd: Exclude<TrainCommand, { type: 'cancel' }>): Promise<void> {
  let failed = false;
  let db: Db | undefined;
  try {
    db = openDatabase(cmd.dbPath, { mustExist: true });
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message, name: (err as Error).name });
    setTimeout(() => process.exit(1), 50);
    return;
  }
  current = { db };
  const hooks = {
    onStart: (info: { runId: number }) => {
      current!.runId = info.runId;
      send({ type: 'started', info });
    },
    onProgress: (p: { step: number; totalSteps: number }) => {
      // At most ~10 messages a second, and always the last step.
      const now = Date.now();
      if (now - lastSent < 100 && p.step < p.totalSteps) return;
      lastSent = now;
      send({ type: 'progress', progress: p });
    },
    shouldStop: () => stop,
  };
  try {
    const result = cmd.type === 'start' ? await train(db, cmd.request, hooks) : await resume(db, cmd.runId, hooks, cmd.backend);
    send({ type: 'done', result });
  } catch (err) {
    failed = true;
    send({ type: 'failed', message: (err as Error).message, name: (err as Error).name });
  } finally {
    current = undefined;
    db.close();
    // Let the last message leave before the process goes; a failure exits non-zero.
    setTimeout(() => process.exit(failed ? 1 : 0), 50);
  }
}
