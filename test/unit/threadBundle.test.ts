import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedThreadBundle, defaultCache } from '../../main/common/threadBundle.js';
import { tempDir } from '../support/store.js';

// A cache of the tests' own beside the real one (its bundles import packages from the same node_modules).
const cache = mkdtempSync(`${defaultCache()}-test-`);
afterAll(() => rmSync(cache, { recursive: true, force: true }));

/** Runs a bundled thread module and returns the first message it posts. */
function firstMessage(path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(path);
    thread.once('message', (m) => {
      resolve(m);
      void thread.terminate();
    });
    thread.once('error', reject);
  });
}

describe('cachedThreadBundle (worker threads run from source)', () => {
  it('bundles a TypeScript entry with its imports, reuses the bundle while no input changed, and rebuilds when one did', async () => {
    const dir = tempDir();
    const entry = join(dir, 'thread.ts');
    const dep = join(dir, 'answer.ts');
    writeFileSync(dep, 'export const answer: number = 41;\n');
    // A package import stays an import, resolved from node_modules where the bundle is cached.
    writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nimport { z } from 'zod';\nimport { answer } from './answer.js';\nparentPort!.postMessage(z.number().parse(answer + 1));\n");
    const first = cachedThreadBundle(entry, cache)!;
    expect(first).toMatch(/thread-[0-9a-f]{12}\.mjs$/);
    expect(readFileSync(first, 'utf8')).not.toContain(': number');
    expect(await firstMessage(first)).toBe(42);

    const builtAt = statSync(first).mtimeMs;
    expect(cachedThreadBundle(entry, cache)).toBe(first);
    expect(statSync(first).mtimeMs).toBe(builtAt);

    writeFileSync(dep, 'export const answer: number = 99;\n');
    utimesSync(dep, new Date(), new Date(Date.now() + 5000)); // a different time even on a coarse clock
    const second = cachedThreadBundle(entry, cache)!;
    expect(second).not.toBe(first);
    expect(await firstMessage(second)).toBe(100);
  });

  it('gives no bundle for an entry that does not build (the caller then registers tsx)', () => {
    const dir = tempDir();
    const entry = join(dir, 'broken.ts');
    writeFileSync(entry, "import { nothing } from './missing.js';\nconsole.log(nothing);\n");
    expect(cachedThreadBundle(entry, cache)).toBeUndefined();
  });
});
