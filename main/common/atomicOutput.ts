import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Output that appears whole or not at all: written under a name marked partial
 * in the same folder as the target (so the final rename is atomic), renamed
 * into place only when complete. A killed process leaves only the partial
 * name behind; an existing target is never replaced.
 */

/** What the output is called in messages, and the error to refuse with (the caller's own, which its callers know). */
export interface OutputRefusal {
  what: string;
  error: (message: string) => Error;
}

/** The partial name beside `target`: hidden, and saying what it is. */
export function partialPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(3).toString('hex')}`);
}

/** Writes a new file atomically; refuses when `path` exists. */
export function writeNewFileAtomically(path: string, text: string, refusal: OutputRefusal): void {
  if (existsSync(path)) throw refusal.error(`${path} already exists; ${refusal.what} never replaces a file. Choose another name.`);
  const temp = partialPath(path);
  try {
    writeFileSync(temp, text, { flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * Fills a new folder atomically: `fill` writes into a partial folder beside
 * `target`; `commit` then runs with the rename that publishes it (to record
 * the output in the same step, e.g. inside a store transaction). Refuses when
 * `target` exists (it may be a user's folder). On an error the partial
 * folder, which only this call wrote, is removed.
 */
export async function writeNewFolderAtomically<T, C>(
  target: string,
  refusal: OutputRefusal,
  fill: (dir: string) => Promise<T>,
  commit: (publish: () => void, filled: T) => C,
): Promise<{ filled: T; committed: C }> {
  refuseFolderTarget(target, refusal);
  mkdirSync(dirname(target), { recursive: true });
  const temp = partialPath(target);
  mkdirSync(temp);
  try {
    const filled = await fill(temp);
    const committed = commit(() => {
      if (existsSync(target)) throw refusal.error(`${target} appeared while writing ${refusal.what}; it was left as it is.`);
      renameSync(temp, target);
    }, filled);
    return { filled, committed };
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  }
}

/** Refuses a target folder that exists, or whose parent is a file: before any slow work is done. */
export function refuseFolderTarget(target: string, refusal: OutputRefusal): void {
  const parent = dirname(target);
  if (existsSync(parent) && !statSync(parent).isDirectory()) throw refusal.error(`${parent} is a file; give a folder to write into.`);
  if (existsSync(target))
    throw refusal.error(`${target} already exists; ${refusal.what} never writes into or replaces an existing folder. Move or rename it, or choose another output folder.`);
}
