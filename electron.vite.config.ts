import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      // Optional native/GPU packages load at run time when present; never bundle them.
      externalizeDeps: { include: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', '@tensorflow/tfjs-backend-webgpu'] },
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(root, 'main/app/index.ts'),
          importWorker: resolve(root, 'main/app/importWorker.ts'),
          // A worker thread of the import process (main/common/nodeThread.ts finds it beside the entries).
          importWriteThread: resolve(root, 'main/store/importWriteThread.ts'),
          storeWorker: resolve(root, 'main/app/storeWorker.ts'),
          trainWorker: resolve(root, 'main/training/trainWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require nothing but electron: bundle its dependencies (zod).
      externalizeDeps: false,
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        // Sandboxed preloads cannot be ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
