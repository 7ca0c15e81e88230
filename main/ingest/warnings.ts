import type { ImportWarning } from './errors.js';

/** Warnings kept in full per import; past this they are only counted. */
export const MAX_STORED_WARNINGS = 10_000;

/** Counts every warning by code and keeps the first MAX_STORED_WARNINGS of them. */
export class WarningLog {
  readonly counts = new Map<string, number>();
  readonly kept: ImportWarning[] = [];
  total = 0;

  add(w: ImportWarning): void {
    this.total++;
    this.counts.set(w.code, (this.counts.get(w.code) ?? 0) + 1);
    if (this.kept.length < MAX_STORED_WARNINGS) this.kept.push(w);
  }

  byCode(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
