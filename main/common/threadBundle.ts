import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);

interface Manifest {
  output: string;
  /** Every file the bundle was built from, with its modification time and size then. */
  inputs: [path: string, mtimeMs: number, size: number][];
}

/**
 * A worker thread's TypeScript entry, bundled with its imports into one plain
 * JavaScript module in node_modules/.cache, for runs from source (tsx): a thread
 * that registered tsx itself took ~170 ms to start (~360 ms beside a busy main
 * thread: its own loader thread and a transform per module), the bundle ~40 ms.
 * Rebuilt whenever one of its inputs changed; packages stay imports (resolved
 * from node_modules as before). Undefined when it cannot be built or written (a
 * read-only install, esbuild missing): the caller then registers tsx instead.
 */
export function cachedThreadBundle(entry: string, cache = defaultCache()): string | undefined {
  try {
    const key = createHash('sha256').update(entry).digest('hex').slice(0, 12);
    const manifestPath = join(cache, `${basename(entry, '.ts')}-${key}.json`);
    const found = readManifest(manifestPath);
    if (found && isCurrent(found)) return found.output;
    mkdirSync(cache, { recursive: true });
    return build(require('esbuild') as typeof import('esbuild'), entry, cache, manifestPath);
  } catch {
    return undefined;
  }
}

/** node_modules/.cache/synthehr-threads, beside the packages the bundles import. */
export function defaultCache(): string {
  return join(dirname(dirname(require.resolve('esbuild/package.json'))), '.cache', 'synthehr-threads');
}

function readManifest(path: string): Manifest | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

function isCurrent(m: Manifest): boolean {
  if (!existsSync(m.output)) return false;
  return m.inputs.every(([path, mtimeMs, size]) => {
    if (!existsSync(path)) return false;
    const s = statSync(path);
    return s.mtimeMs === mtimeMs && s.size === size;
  });
}

/** Builds in memory, then writes the module and its manifest each under a temporary name and renames it (another process may be building the same). */
function build(esbuild: typeof import('esbuild'), entry: string, cache: string, manifestPath: string): string {
  const root = dirname(entry);
  const result = esbuild.buildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    outfile: join(cache, 'out.mjs'),
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const output = join(cache, `${basename(entry, '.ts')}-${createHash('sha256').update(code).digest('hex').slice(0, 12)}.mjs`);
  const inputs = Object.keys(result.metafile.inputs).map((p): Manifest['inputs'][number] => {
    const path = resolve(root, p);
    const s = statSync(path);
    return [path, s.mtimeMs, s.size];
  });
  writeAtomically(output, code);
  writeAtomically(manifestPath, JSON.stringify({ output, inputs } satisfies Manifest));
  return output;
}

function writeAtomically(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}
