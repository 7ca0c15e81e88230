import type { Emit, TrainRequestDto } from '../../preload/contract.js';
import { errorFromWire } from '../common/errors.js';
import { checkMessage, trainingMessage, type SpawnWorker, type WorkerProcess } from '../common/workerProtocol.js';
import type { TrainCommand } from '../training/trainWorker.js';

/**
 * Runs each training run in a process of its own (the worker the CLI forks
 * too), passes its progress on, and asks it to stop after a checkpoint on
 * cancel. A process that dies leaves its last checkpoint; the run can be resumed.
 */
export class TrainingRunner {
  private readonly running = new Map<number, WorkerProcess>();

  constructor(
    private readonly dbPath: string,
    private readonly emit: Emit,
    private readonly spawn: SpawnWorker,
  ) {}

  start(request: TrainRequestDto): Promise<{ runId: number }> {
    const { cohort, family, seed, backend, checkpointEvery, from, ...config } = request;
    return this.launch({ type: 'start', dbPath: this.dbPath, request: { cohort, family, seed, backend, checkpointEvery, config, ...(from !== undefined ? { from } : {}) } });
  }

  resume(runId: number): Promise<{ runId: number }> {
    if (this.running.has(runId)) return Promise.reject(new Error(`Run ${runId} is already running.`));
    return this.launch({ type: 'resume', dbPath: this.dbPath, runId });
  }

  cancel(runId: number): { cancelling: boolean } {
    const child = this.running.get(runId);
    child?.postMessage({ type: 'cancel' } satisfies TrainCommand);
    return { cancelling: child !== undefined };
  }

  dispose(): void {
    for (const child of this.running.values()) child.kill();
  }

  private launch(command: Exclude<TrainCommand, { type: 'cancel' }>): Promise<{ runId: number }> {
    const child = this.spawn('training', []);
    return new Promise((resolve, reject) => {
      let runId: number | undefined;
      let ended = false;
      child.onMessage((raw) => {
        const m = checkMessage('training process', trainingMessage, raw);
        if (m?.type === 'started') {
          runId = m.info.runId;
          this.running.set(runId, child);
          this.emit('trainingState', { runId, status: 'running' });
          resolve({ runId });
        } else if (m?.type === 'progress') {
          this.emit('trainingProgress', m.progress);
        } else if (m?.type === 'done' && runId !== undefined) {
          ended = true;
          this.emit('trainingState', { runId, status: m.result.status });
        } else if (m?.type === 'failed') {
          ended = true;
          if (runId === undefined) reject(errorFromWire(m.error));
          else this.emit('trainingState', { runId, status: 'failed', message: m.error.message });
        }
      });
      child.onExit((code) => {
        if (runId === undefined) {
          reject(new Error(`The training process stopped before starting (exit code ${code}).`));
          return;
        }
        this.running.delete(runId);
        if (!ended) this.emit('trainingState', { runId, status: 'failed', message: `The training process stopped unexpectedly (exit code ${code}); resume from the last checkpoint.` });
      });
      child.postMessage(command);
    });
  }
}
