import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { cachedThreadBundle } from './threadBundle.js';

/**
 * Starts the worker thread whose module is `name` in the caller's folder of main/.
 * From source (TypeScript, under tsx or vitest) the thread runs the module bundled
 * into node_modules/.cache (main/common/threadBundle.ts), or, where that cannot
 * be, registers tsx before importing it; built, it runs the bundled entry of that
 * name beside main's own (electron.vite.config.ts lists it), also from a shared chunk.
 */
export function startThread(callerUrl: string, name: string, options: WorkerOptions): Worker {
  if (callerUrl.endsWith('.ts')) {
    const bundle = cachedThreadBundle(fileURLToPath(new URL(`./${name}.ts`, callerUrl)));
    if (bundle) return new Worker(bundle, options);
    const module = new URL(`./${name}.ts`, callerUrl).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module)}); })`;
    return new Worker(boot, { ...options, eval: true });
  }
  let dir = dirname(fileURLToPath(callerUrl));
  if (basename(dir) === 'chunks') dir = dirname(dir);
  return new Worker(join(dir, `${name}.js`), options);
}
