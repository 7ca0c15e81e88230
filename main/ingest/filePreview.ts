import { basename } from 'node:path';
import { statSync } from 'node:fs';
import { readCsv } from './csvReader.js';
import { inferKind } from './inferKind.js';
import type { VariableKind } from './mapping.js';
import { DateParser } from './dateParser.js';
import { missingTest } from './values.js';

export interface FilePreview {
  name: string;
  sizeBytes: number;
  header: string[];
  /** The first rows, as text. */
  rows: string[][];
  /** Kind inferred per column from the sampled rows. */
  kinds: Record<string, VariableKind>;
  sampledRows: number;
}

class Enough extends Error {}

/** The header, first rows and inferred kinds of a CSV file, reading at most `sample` rows. */
export async function previewCsvFile(path: string, show = 6, sample = 2000): Promise<FilePreview> {
  let header: string[] = [];
  const rows: string[][] = [];
  const columns: string[][] = [];
  try {
    await readCsv({
      file: basename(path),
      path,
      onHeader: (h) => {
        header = h;
        h.forEach(() => columns.push([]));
      },
      onRow: (fields) => {
        if (rows.length < show) rows.push([...fields]); // the reader refills its array for the next row
        fields.forEach((f, i) => columns[i]?.push(f));
        if (columns[0]!.length >= sample) throw new Enough();
      },
    });
  } catch (err) {
    if (!(err instanceof Enough)) throw err;
  }
  const missing = missingTest();
  const dates = new DateParser();
  return {
    name: basename(path).replace(/\.csv$/i, ''),
    sizeBytes: statSync(path).size,
    header,
    rows,
    kinds: Object.fromEntries(header.map((h, i) => [h, inferKind(columns[i] ?? [], missing, dates).kind])),
    sampledRows: columns[0]?.length ?? 0,
  };
}
