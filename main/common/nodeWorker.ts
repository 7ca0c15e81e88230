import { fork, type ChildProcess } from 'node:child_process';
import type { WorkerProcess } from './workerProtocol.js';

/**
 * A worker module (TypeScript, run through tsx) as a Node child process: the
 * CLI's counterpart of the app's utility processes, and what the renderer
 * tests' bridge runs the app's workers in. Its output goes to this process's;
 * messages are structured clones, as between Electron's processes (undefined and NaN survive).
 */
export function forkNodeWorker(modulePath: string, args: string[] = []): WorkerProcess & { child: ChildProcess } {
  const child = fork(modulePath, args, { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    child,
    postMessage: (message) => {
      if (child.connected) child.send(message as never);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill(),
  };
}
