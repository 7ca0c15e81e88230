import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATASETS } from './syntheticLabs.js';

/**
 * Independent facts about a shared CSV, computed with a deliberately simple
 * reader (these files have no quoted commas), to check the importer against.
 */
export function csvFacts(name: string) {
  const lines = readFileSync(join(SHARED_DATASETS, name), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',').map((h) => h.replaceAll('"', ''));
  const rows = lines.slice(1).map((l) => l.split(',').map((c) => c.replaceAll('"', '')));
  const col = (c: string) => rows.map((r) => r[header.indexOf(c)]!);
  const present = (v: string) => v !== 'NA' && v !== 'NaN' && v !== '';
  return {
    rows: rows.length,
    col,
    distinct: (c: string) => new Set(col(c)).size,
    nonMissing: (...cs: string[]) => cs.reduce((n, c) => n + col(c).filter(present).length, 0),
  };
}
