import { describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli.js';
import { importDataset } from '../../main/ingest/importer.js';
import { MAX_STORED_WARNINGS, RESULT_WARNINGS } from '../../main/ingest/warnings.js';
import { openDatabase } from '../../main/store/database.js';
import { freshStore, mappingIn, storeDigest, tempDir, writeCsv } from '../support/store.js';

describe('soft problems are warnings: counted, listed, stored, shown by the CLI', () => {
  it('warns about visits after death or follow-up end and duplicate visits, and imports them', async () => {
    const { db, path } = freshStore();
    const dir = tempDir();
    // An index date for each patient: patient 2's only visit is after the end of follow-up, which with the
    // default index (the first record) would be a negative follow-up, refused.
    writeCsv(dir, 'p.csv', 'id,start,end,death\n1,2008-01-01,2010-01-01,2009-06-01\n2,2008-01-01,2010-01-01,NA\n3,2008-01-01,2010-01-01,NA\n');
    writeCsv(dir, 'v.csv', 'id,date,crea\n1,2009-01-01,80\n1,2009-07-01,95\n2,2011-03-01,70\n3,2008-01-01,60\n3,2008-01-01,61\n');
    const mapping = mappingIn(dir, {
      dataset: 'soft',
      files: [
        { path: 'p.csv', id: 'id', patients: true, index: 'start', followUp: { end: 'end', event: 'death', eventType: 'death' } },
        { path: 'v.csv', id: 'id', measurements: { layout: 'wide', time: 'date', columns: ['crea'] } },
      ],
    });
    const result = await importDataset(db, mapping);
    expect(result.measurements).toBe(5);
    expect(result.warningsByCode).toEqual({ 'duplicate-visit': 1, 'visit-after-death': 1, 'visit-after-followup-end': 1 });
    expect(result.warnings.map((w) => [w.file, w.line, w.code])).toEqual([
      ['v', 3, 'visit-after-death'],
      ['v', 4, 'visit-after-followup-end'],
      ['v', 6, 'duplicate-visit'],
    ]);
    expect(result.warnings[2]!.message).toBe('patient "3": a second visit at the same time as line 5');
    const stored = db.prepare('SELECT rule, file_name, line FROM import_warnings ORDER BY id').all();
    expect(stored).toEqual([
      { rule: 'visit-after-death', file_name: 'v', line: 3 },
      { rule: 'visit-after-followup-end', file_name: 'v', line: 4 },
      { rule: 'duplicate-visit', file_name: 'v', line: 6 },
    ]);
    db.close();

    const lines: string[] = [];
    expect(await runCli(['inspect', 'soft', '--db', path], (s) => lines.push(s))).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('Warnings: 3 (duplicate-visit 1, visit-after-death 1, visit-after-followup-end 1)');
    expect(text).toContain('v, line 3, column "date": patient "1": visit after death');
  });

  it('finds duplicates in long files whose rows are not grouped by patient', async () => {
    const { db } = freshStore();
    const dir = tempDir();
    writeCsv(dir, 'p.csv', 'id\n1\n2\n');
    writeCsv(dir, 'labs.csv', 'id,date,test,value\n1,2009-01-01,crea,80\n2,2009-01-01,crea,70\n1,2009-01-01,crea,81\n1,2009-01-01,a1c,50\n');
    const mapping = mappingIn(dir, {
      dataset: 'long',
      files: [
        { path: 'p.csv', id: 'id', patients: true },
        { path: 'labs.csv', id: 'id', measurements: { layout: 'long', time: 'date', variable: 'test', value: 'value' } },
      ],
    });
    const result = await importDataset(db, mapping);
    expect(result.measurements).toBe(4);
    expect(result.warningsByCode).toEqual({ 'duplicate-measurement': 1 });
    expect(result.warnings[0]).toMatchObject({ line: 4, message: 'patient "1": a second value of "crea" at the same time as an earlier row' });
  });

  // The log's warnings are written as they are found (on the write thread for a file store), each naming
  // the import's row, which is written last: the first 10,000 stored in line order, the rest counted.
  it.each([
    ['a store file (written on the write thread)', false],
    ['a store in memory', true],
  ])('in %s: stores the first 10,000 warnings of many, under the import that found them, and none of a refused import', async (_, inMemory) => {
    const db = inMemory ? openDatabase(':memory:') : freshStore().db;
    const dir = tempDir();
    const repeats = MAX_STORED_WARNINGS + 250;
    writeCsv(dir, 'p.csv', 'id\n1\n2\n');
    const rows = ['id,date,test,value', '2,2009-01-01,crea,70'];
    for (let i = 0; i < repeats + 1; i++) rows.push(`1,2009-01-01,crea,${80 + (i % 7)}`);
    writeCsv(dir, 'labs.csv', rows.join('\n') + '\n');
    const files = [
      { path: 'p.csv', id: 'id', patients: true },
      { path: 'labs.csv', id: 'id', measurements: { layout: 'long', time: 'date', variable: 'test', value: 'value' } },
    ];
    // A first import, so that the second's rows are numbered after another import's.
    await importDataset(db, mappingIn(dir, { dataset: 'first', files }));
    const result = await importDataset(db, mappingIn(dir, { dataset: 'second', files }));
    expect(result.warningCount).toBe(repeats);
    expect(result.warnings).toHaveLength(RESULT_WARNINGS);
    const logs = db.prepare('SELECT id, warning_count AS count FROM imports ORDER BY id').all();
    expect(logs).toEqual([
      { id: 1, count: repeats },
      { id: 2, count: repeats },
    ]);
    for (const importId of [1, 2]) {
      const lines = db.prepare('SELECT line FROM import_warnings WHERE import_id = ? ORDER BY id').pluck().all(importId) as number[];
      expect(lines).toHaveLength(MAX_STORED_WARNINGS);
      expect(lines[0]).toBe(4);
      expect(lines.at(-1)).toBe(MAX_STORED_WARNINGS + 3);
      expect(lines.every((line, i) => line === i + 4)).toBe(true);
    }
    // A refused import (a bad value after the warnings) stores none of its warnings.
    const before = storeDigest(db);
    writeCsv(dir, 'labs.csv', rows.join('\n') + '\n1,2009-02-01,crea,80 mg\n');
    await expect(importDataset(db, mappingIn(dir, { dataset: 'third', files }))).rejects.toThrow(/line/);
    expect(storeDigest(db)).toBe(before);
    db.close();
  });
});

