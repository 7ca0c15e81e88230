import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ImportError } from '../../main/ingest/errors.js';
import { importDataset } from '../../main/ingest/importer.js';
import type { Db } from '../../main/store/database.js';
import { SHARED_DATASETS } from '../support/syntheticLabs.js';
import { freshStore, importWorkedExample, mappingIn, storeDigest, tempDir, writeCsv } from '../support/store.js';

const PATIENTS = '"id","sex","entry","end"\n1,"M",2001-01-10,2005-01-01\n2,"F",2001-02-11,2004-06-30\n';
const VISITS = '"id","date","a1c"\n1,2001-03-01,61.2\n2,2001-04-01,58\n';

/** A two-file dataset in a temp dir; `patients`/`visits` replace the default file contents. */
function dataset(patients = PATIENTS, visits: string | Buffer = VISITS, overrides: object = {}) {
  const dir = tempDir();
  writeCsv(dir, 'patients.csv', patients);
  writeCsv(dir, 'visits.csv', visits);
  return mappingIn(dir, {
    dataset: 'bad',
    files: [
      { path: 'patients.csv', id: 'id', patients: true, index: 'entry', static: ['sex'], followUp: { end: 'end' } },
      { path: 'visits.csv', id: 'id', measurements: { layout: 'wide', time: 'date', columns: ['a1c'] } },
    ],
    ...overrides,
  });
}

describe('bad input: a clear message, and the store exactly as it was', () => {
  let db: Db;
  let before: string;
  beforeEach(async () => {
    db = freshStore().db;
    await importWorkedExample(db, 'steno2');
    before = storeDigest(db);
  });

  async function expectRefused(mapping: ReturnType<typeof dataset>, message: RegExp) {
    const err = await importDataset(db, mapping).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toMatch(message);
    expect(storeDigest(db)).toBe(before);
    expect(db.inTransaction).toBe(false);
    return err as ImportError;
  }

  it('the good files import (so each case below fails for its one defect)', async () => {
    const result = await importDataset(db, dataset());
    expect(result.measurements).toBe(2);
  });

  it('unparseable date', async () => {
    const err = await expectRefused(
      dataset(undefined, '"id","date","a1c"\n1,2001-03-01,61.2\n2,2001-13-45,58\n'),
      /^visits, line 3, column "date": value "2001-13-45": unparseable date: expected an ISO date/,
    );
    expect(err.location).toEqual({ file: 'visits', line: 3, column: 'date', value: '2001-13-45' });
  });

  it('day-first dates are read when the mapping declares them, refused when it does not', async () => {
    const visits = '"id","date","a1c"\n1,03/04/2001,61.2\n2,13/04/2001,58\n';
    await expectRefused(dataset(undefined, visits), /line 2, column "date": value "03\/04\/2001": unparseable date.*dateFormat/);
    const m = dataset(undefined, visits);
    m.files[1]!.dateFormat = 'dd/MM/yyyy';
    const result = await importDataset(db, m);
    const dates = db.prepare('SELECT datetime FROM measurement_times mt JOIN patients p ON p.id = mt.patient_id WHERE p.dataset_id = ? ORDER BY 1').pluck().all(result.datasetId);
    expect(dates).toEqual(['2001-04-03 00:00:00', '2001-04-13 00:00:00']);
  });

  it('text in a numeric column', async () => {
    const visits = ['"id","date","a1c"', ...Array.from({ length: 40 }, (_, i) => `1,2001-03-${String((i % 28) + 1).padStart(2, '0')},${60 + i}`), '2,2001-04-01,<5'].join('\n');
    await expectRefused(dataset(undefined, visits), /^visits, line 42, column "a1c": value "<5": text in a numeric column/);
  });

  it('text in a column the mapping declares numeric', async () => {
    const m = dataset(undefined, '"id","date","a1c"\n1,2001-03-01,high\n');
    m.variables = { a1c: { kind: 'numeric' } };
    await expectRefused(m, /^visits, line 2, column "a1c": value "high": text in a numeric column/);
  });

  it('visit rows for a patient absent from the patient file', async () => {
    await expectRefused(
      dataset(undefined, '"id","date","a1c"\n1,2001-03-01,61.2\n7,2001-04-01,58\n'),
      /^visits, line 3, column "id": value "7": patient "7" is not in the patient file \(patients\)/,
    );
  });

  it('one patient with conflicting static values', async () => {
    await expectRefused(
      dataset(PATIENTS + '1,"F",2001-01-10,2005-01-01\n'),
      /^patients, line 4, column "sex": value "F": conflicting static values for patient "1": "M" at patients line 2, "F" here/,
    );
  });

  it('a numeric static given again in another file with another value (the same number written otherwise is no conflict)', async () => {
    const dir = tempDir();
    writeCsv(dir, 'patients.csv', '"id","bmi"\n1,29.0\n2,22.5\n3,30\n');
    // Patient 3 first, then 1 (met in another order than the patient file); 1's 29 is 29.0; 2's 22.50 is 22.5; 3's is not 30.
    writeCsv(dir, 'more.csv', '"id","bmi"\n3,30.0\n1,29\n2,22.50\n3,31.5\n');
    const mapping = mappingIn(dir, {
      dataset: 'bad',
      time: { basis: 'relative', unit: 'days' },
      files: [
        { path: 'patients.csv', id: 'id', patients: true, static: ['bmi'] },
        { path: 'more.csv', id: 'id', static: ['bmi'] },
      ],
    });
    await expectRefused(mapping, /^more, line 5, column "bmi": value "31\.5": conflicting static values for patient "3": "30" at patients line 4, "31\.5" here/);
  });

  it('a ragged row', async () => {
    await expectRefused(dataset(undefined, '"id","date","a1c"\n1,2001-03-01,61.2\n2,2001-04-01\n'), /^visits, line 3, column "a1c": value "2 fields": ragged row/);
  });

  it('a missing required column', async () => {
    await expectRefused(
      dataset(undefined, '"id","visit_date","a1c"\n1,2001-03-01,61.2\n'),
      /^visits, line 1, column "date": required column missing from the header \(the mapping uses it; the file has: id, visit_date, a1c\)/,
    );
  });

  it('a file that is not UTF-8', async () => {
    const latin1 = Buffer.concat([Buffer.from('"id","date","a1c","note"\n1,2001-03-01,61.2,"ok"\n2,2001-04-01,58,"f'), Buffer.from([0xe9, 0x76]), Buffer.from('er"\n')]);
    const m = dataset(undefined, latin1);
    await expectRefused(m, /^visits, line 3, column "note": value "byte 0xe9": the file is not UTF-8 text/);
  });

  it('a second import of the same dataset name', async () => {
    const dir = tempDir();
    for (const f of ['steno2.csv']) copyFileSync(join(SHARED_DATASETS, f), join(dir, f));
    const m = mappingIn(dir, { dataset: 'steno2', files: [{ path: 'steno2.csv', id: 'id', patients: true }] });
    await expectRefused(m, /a dataset named "steno2" already exists/);
  });
});
