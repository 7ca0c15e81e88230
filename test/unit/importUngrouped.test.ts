import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { storedMeasurements, storedStatics } from '../support/importCase.js';
import { freshStore } from '../support/store.js';
import { rng, writeLabFiles } from '../support/syntheticLabs.js';

/** Imports the lab files as they are, and returns what was stored and warned. */
async function importLabs(mappingPath: string) {
  const { db } = freshStore();
  const result = await importDataset(db, loadMapping(mappingPath));
  return { result, measurements: storedMeasurements(db, result.datasetId), statics: storedStatics(db, result.datasetId) };
}

describe('rows not grouped by patient', () => {
  it('import through an index of visit keys, with the same result as the grouped file', async () => {
    const { dir } = freshStore();
    const files = await writeLabFiles(dir, 3000);
    const [header, ...rows] = readFileSync(files.labsPath, 'utf8').trimEnd().split('\n');
    // Three repeated measurements (same patient, test and date, another value): duplicates to be warned about.
    const at = [17, 1100, 2500];
    const repeats = at.map((i) => rows[i]!.replace(/,([\d.]+),"/, ',999,"'));
    const groupedRows = rows.flatMap((r, i) => (at.includes(i) ? [r, repeats[at.indexOf(i)]!] : [r]));
    writeFileSync(files.labsPath, [header, ...groupedRows].join('\n') + '\n');
    const grouped = await importLabs(files.mappingPath);

    const shuffled = [...rows, ...repeats];
    const random = rng(11);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    // A repeat must come after its original to be the one warned about; put them last again.
    const body = shuffled.filter((r) => !repeats.includes(r));
    writeFileSync(files.labsPath, [header, ...body, ...repeats].join('\n') + '\n');
    const ungrouped = await importLabs(files.mappingPath);

    expect(grouped.result.files.map((f) => f.groupedByPatient)).toEqual([true, true]);
    expect(ungrouped.result.files.map((f) => f.groupedByPatient)).toEqual([true, false]);
    expect(ungrouped.measurements).toEqual(grouped.measurements);
    expect(ungrouped.statics).toEqual(grouped.statics);
    expect(ungrouped.result.warningsByCode).toEqual({ 'duplicate-measurement': 3 });
    expect(grouped.result.warningsByCode).toEqual({ 'duplicate-measurement': 3 });
    expect(ungrouped.result.warnings.map((w) => w.line)).toEqual([3002, 3003, 3004]);
  });
});
