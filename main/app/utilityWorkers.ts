import { utilityProcess } from 'electron';
import { join } from 'node:path';
import type { SpawnWorker } from '../common/workerProtocol.js';

/** The built worker entries beside main's own (electron.vite.config.ts names them). */
const WORKERS = {
  store: { file: 'storeWorker.js', serviceName: 'SynthEHR store' },
  import: { file: 'importWorker.js', serviceName: 'SynthEHR import' },
  training: { file: 'trainWorker.js', serviceName: 'SynthEHR training' },
} as const;

/** The app's workers as Electron utility processes. */
export const spawnUtilityWorker: SpawnWorker = (worker, args) => {
  const { file, serviceName } = WORKERS[worker];
  const child = utilityProcess.fork(join(import.meta.dirname, file), args, { serviceName });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
    kill: () => child.kill(),
  };
};
