// The training process: an Electron utility process in the app, a Node child
// process under the CLI; the same code. It owns its store connection, streams
// progress, and on "cancel" stops after a checkpoint.
import { openDatabase, type Db } from '../store/database.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { errorToWire } from '../common/errors.js';
import { parentChannel, type TrainingCommand, type TrainingMessage } from '../common/workerProtocol.js';
import type { BackendName } from './backend.js';
import { resume, train, type StartInfo, type TrainProgress, type TrainRequest, type TrainResult } from './engine.js';

const PARENT_GONE_MESSAGE = 'The process that started training went away (killed or closed); resume from the last checkpoint.';

/** What the parent sends this process, and what it sends back (main/common/workerProtocol.ts). */
export type TrainCommand = TrainingCommand<TrainRequest, BackendName | 'auto'>;
export type TrainMessage = TrainingMessage<StartInfo, TrainResult>;

let stop = false;
let lastSent = 0;
/** The run being trained and its store connection, so that a run this process abandons is marked failed. */
let current: { db: Db; runId?: number } | undefined;

// Under the CLI: if the parent goes (killed, crashed), so does training; the last checkpoint stays
// and the run is marked failed (resumable), never left "running".
const parent = parentChannel(() => {
  if (current?.runId !== undefined) new TrainingRepository(current.db).setStatus(current.runId, 'failed', PARENT_GONE_MESSAGE);
  process.exit(1);
});
const send = (m: TrainMessage) => parent.send(m);
parent.onMessage((message) => {
  const cmd = message as TrainCommand;
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
    send({ type: 'failed', error: errorToWire(err) });
    setTimeout(() => process.exit(1), 50);
    return;
  }
  current = { db };
  const hooks = {
    onStart: (info: StartInfo) => {
      current!.runId = info.runId;
      send({ type: 'started', info });
    },
    onProgress: (p: TrainProgress) => {
      // At most ~10 messages a second, and always what loading is doing and the last step.
      const now = Date.now();
      if (now - lastSent < 100 && p.phase !== 'loading' && p.step < p.totalSteps) return;
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
    send({ type: 'failed', error: errorToWire(err) });
  } finally {
    current = undefined;
    db.close();
    // Let the last message leave before the process goes; a failure exits non-zero.
    setTimeout(() => process.exit(failed ? 1 : 0), 50);
  }
}
