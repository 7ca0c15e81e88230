import { utilityProcess } from 'electron';
import { join } from 'node:path';
import { importProgress, type ImportOutcomeDto, type ImportProgressDto } from '../../preload/contract.js';

let running: { cancel: () => void } | undefined;

/** Stops the running import by ending its process: the import's transaction never commits. */
export function cancelRunningImport(): { cancelling: boolean } {
  running?.cancel();
  return { cancelling: running !== undefined };
}

/** Runs one import in a utility process; messages from it are validated like IPC. */
export function runImportInUtilityProcess(
  dbPath: string,
  mappingPath: string,
  onProgress: (p: ImportProgressDto) => void,
): Promise<ImportOutcomeDto> {
  return new Promise((resolve) => {
    const child = utilityProcess.fork(join(import.meta.dirname, 'importWorker.js'), [], { serviceName: 'SynthEHR import' });
    let settled = false;
    let cancelled = false;
    const settle = (outcome: ImportOutcomeDto) => {
      if (settled) return;
      settled = true;
      running = undefined;
      resolve(outcome);
    };
    running = {
      cancel: () => {
        cancelled = true;
        child.kill();
      },
    };
    child.on('message', (message: unknown) => {
      const m = message as { type?: string; progress?: unknown; outcome?: ImportOutcomeDto };
      if (m.type === 'progress') {
        const parsed = importProgress.safeParse(m.progress);
        if (parsed.success) onProgress(parsed.data);
      } else if (m.type === 'done' && m.outcome) {
        settle(m.outcome);
        child.kill();
      }
    });
    child.on('exit', (code) =>
      settle(cancelled ? { status: 'cancelled' } : { status: 'failed', message: `The import process stopped unexpectedly (exit code ${code}); the store was left as it was.` }),
    );
    child.postMessage({ dbPath, mappingPath });
  });
}
