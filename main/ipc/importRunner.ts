import type { Emit, ImportOutcomeDto } from '../../preload/contract.js';
import { checkMessage, importMessage, type ImportRequest, type SpawnWorker } from '../common/workerProtocol.js';

/**
 * Runs each import in a process of its own, one at a time; its progress goes to
 * the renderer. Cancel ends the process: the import's transaction never commits.
 */
export class ImportRunner {
  private running: { cancel: () => void } | undefined;

  constructor(
    private readonly dbPath: string,
    private readonly emit: Emit,
    private readonly spawn: SpawnWorker,
  ) {}

  cancel(): { cancelling: boolean } {
    this.running?.cancel();
    return { cancelling: this.running !== undefined };
  }

  run(mappingPath: string): Promise<ImportOutcomeDto> {
    return new Promise((resolve) => {
      const child = this.spawn('import', []);
      let settled = false;
      let cancelled = false;
      const settle = (outcome: ImportOutcomeDto) => {
        if (settled) return;
        settled = true;
        this.running = undefined;
        resolve(outcome);
      };
      this.running = {
        cancel: () => {
          cancelled = true;
          child.kill();
        },
      };
      child.onMessage((raw) => {
        const m = checkMessage('import process', importMessage, raw);
        if (m?.type === 'progress') this.emit('importProgress', m.progress);
        else if (m?.type === 'done') {
          settle(m.outcome);
          child.kill();
        }
      });
      child.onExit((code) =>
        settle(cancelled ? { status: 'cancelled' } : { status: 'failed', message: `The import process stopped unexpectedly (exit code ${code}); the store was left as it was.` }),
      );
      child.postMessage({ type: 'start', dbPath: this.dbPath, mappingPath } satisfies ImportRequest);
    });
  }
}
