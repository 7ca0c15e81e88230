// The training process: an Electron utility process in the app, a Node child
// process under the CLI; the same code. It owns its store connection, streams
// progress, and on "cancel" stops after a checkpoint.
import { openDatabase } from '../store/database.js';
import type { BackendName } from './backend.js';
import { resume, train, type TrainRequest } from './engine.js';

export type TrainCommand = { type: 'start'; dbPath: string; request: TrainRequest } | { type: 'resume'; dbPath: string; runId: number; backend?: BackendName | 'auto' } | { type: 'cancel' };

interface Port {
  postMessage(m: unknown): void;
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
}
const electronPort = (process as unknown as { parentPort?: Port }).parentPort;
const send = (m: unknown) => (electronPort ? electronPort.postMessage(m) : process.send?.(m));
const onMessage = (fn: (m: TrainCommand) => void) =>
  electronPort ? electronPort.on('message', (e) => fn(e.data as TrainCommand)) : process.on('message', (m) => fn(m as TrainCommand));

// Under the CLI: if the parent goes (killed, crashed), so does training; the last checkpoint stays.
if (!electronPort) process.on('disconnect', () => process.exit(1));

let stop = false;
let lastSent = 0;
onMessage((cmd) => {
  if (cmd.type === 'cancel') {
    stop = true;
    return;
  }
  void run(cmd);
});

async function run(cmd: Exclude<TrainCommand, { type: 'cancel' }>): Promise<void> {
  const db = openDatabase(cmd.dbPath);
  const hooks = {
    onStart: (info: unknown) => send({ type: 'started', info }),
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
    send({ type: 'failed', message: (err as Error).message, name: (err as Error).name });
  } finally {
    db.close();
    // Let the last message leave before the process goes.
    setTimeout(() => process.exit(0), 50);
  }
}
