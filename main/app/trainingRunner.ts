import { utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';
import { trainingProgress, type TrainRequestDto, type TrainingProgressDto, type TrainingStateDto } from '../../preload/contract.js';
import type { TrainCommand } from '../training/trainWorker.js';

/**
 * Runs each training run in its own utility process (the same worker the CLI
 * forks as a child process), relays its progress, and asks it to stop after a
 * checkpoint on cancel. A process that dies leaves its last checkpoint; the
 * run can be resumed.
 */
export class TrainingRunner {
  private readonly running = new Map<number, UtilityProcess>();

  constructor(
    private readonly dbPath: string,
    private readonly onProgress: (p: TrainingProgressDto) => void,
    private readonly onState: (s: TrainingStateDto) => void,
  ) {}

  start(request: TrainRequestDto): Promise<{ runId: number }> {
    const { cohort, family, seed, backend, checkpointEvery, ...config } = request;
    return this.launch({ type: 'start', dbPath: this.dbPath, request: { cohort, family, seed, backend, checkpointEvery, config } });
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
    const child = utilityProcess.fork(join(import.meta.dirname, 'trainWorker.js'), [], { serviceName: 'SynthEHR training' });
    return new Promise((resolve, reject) => {
      let runId: number | undefined;
      let ended = false;
      child.on('message', (m: { type: string; info?: { runId: number }; progress?: unknown; result?: { status: 'completed' | 'cancelled' }; message?: string }) => {
        if (m.type === 'started' && m.info) {
          runId = m.info.runId;
          this.running.set(runId, child);
          this.onState({ runId, status: 'running' });
          resolve({ runId });
        } else if (m.type === 'progress') {
          const parsed = trainingProgress.safeParse(m.progress);
          if (parsed.success) this.onProgress(parsed.data);
        } else if (m.type === 'done' && m.result && runId !== undefined) {
          ended = true;
          this.onState({ runId, status: m.result.status });
        } else if (m.type === 'failed') {
          ended = true;
          if (runId === undefined) reject(new Error(m.message ?? 'training failed to start'));
          else this.onState({ runId, status: 'failed', message: m.message });
        }
      });
      child.on('exit', (code) => {
        if (runId === undefined) {
          reject(new Error(`The training process stopped before starting (exit code ${code}).`));
          return;
        }
        this.running.delete(runId);
        if (!ended) this.onState({ runId, status: 'failed', message: `The training process stopped unexpectedly (exit code ${code}); resume from the last checkpoint.` });
      });
      child.postMessage(command);
    });
  }
}
