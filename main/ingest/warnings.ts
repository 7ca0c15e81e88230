import type { ImportWarning } from './errors.js';

/** Warnings stored in full per import; past this they are only counted. */
export const MAX_STORED_WARNINGS = 10_000;
/** Warnings an import's result carries in full (the store has the rest). */
export const RESULT_WARNINGS = 200;

/**
 * Counts every warning by code and hands the first MAX_STORED_WARNINGS to
 * `store` as they are found (into the import's log, in the same transaction),
 * keeping only the first RESULT_WARNINGS in memory.
 */
export class WarningLog {
  readonly counts = new Map<string, number>();
  readonly kept: ImportWarning[] = [];
  total = 0;

  constructor(private readonly store: (w: ImportWarning) => void) {}

  add(w: ImportWarning): void {
    this.total++;
    this.counts.set(w.code, (this.counts.get(w.code) ?? 0) + 1);
    if (this.total <= MAX_STORED_WARNINGS) this.store(w);
    if (this.kept.length < RESULT_WARNINGS) this.kept.push(w);
  }

  byCode(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
