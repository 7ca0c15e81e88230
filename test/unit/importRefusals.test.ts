import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping, resolveMapping } from '../../main/ingest/mapping.js';
import type { Db } from '../../main/store/database.js';
import { caseFiles, expectRefused } from '../support/importCase.js';
import { freshStore, importWorkedExample, tempDir, writeCsv } from '../support/store.js';

const VISITS = 'id,date,crea\n1,2001-03-01,70\n2,2001-04-01,80\n';

function calendar(patients: string, visits = VISITS, index: string | null = 'entry') {
  return caseFiles(
    { 'p.csv': patients, 'v.csv': visits },
    {
      dataset: 'refused',
      files: [
        { path: 'p.csv', id: 'id', patients: true, ...(index ? { index } : {}), followUp: { end: 'end' } },
        { path: 'v.csv', id: 'id', measurements: { layout: 'wide', time: 'date', columns: ['crea'] } },
      ],
    },
  );
}

describe('refused input: file, line, column, and the store as it was', () => {
  let db: Db;
  beforeEach(async () => {
    db = freshStore().db;
    await importWorkedExample(db, 'icu');
  });

  it('an import turns foreign-key checks off only inside its own transaction, and writes no orphan', async () => {
    await importWorkedExample(db, 'steno2');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    await expectRefused(db, calendar('id,entry,end\n1,2001-01-01,2000-01-01\n'), /follow-up ends before the index/);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('duplicate header names', async () => {
    const err = await expectRefused(db, calendar('id,entry,end,entry\n1,2001-01-01,2005-01-01,x\n'), /^p, line 1, column "entry": two columns are named "entry" \(columns 2 and 4\)/);
    expect(err).toMatchObject({ location: { file: 'p', line: 1, column: 'entry' } });
  });

  it('a NUL byte', async () => {
    await expectRefused(db, calendar('id,entry,end\n1,2001-01-01,2005-01-01\n2,2001-0\u00001-01,2005-01-01\n'), /^p, line 3, column "entry": value "byte 0x00": the file contains a NUL byte/);
  });

  it('follow-up that ends before the index date', async () => {
    await expectRefused(
      db,
      calendar('id,entry,end\n1,2001-01-01,2005-01-01\n2,2001-02-01,2000-12-31\n'),
      /^p, line 3, column "end": value "2000-12-31": follow-up ends before the index date \(2001-02-01, column "entry"\)/,
    );
  });

  it('follow-up that ends before the first record when no index column is mapped', async () => {
    await expectRefused(
      db,
      calendar('id,end\n1,2005-01-01\n2,2001-01-01\n', VISITS, null),
      /^p, line 3, column "end": value "2001-01-01": follow-up ends before the index date \(2001-04-01, the patient's first recorded measurement or event/,
    );
  });

  it('negative relative follow-up', async () => {
    const m = caseFiles(
      { 'p.csv': 'id,end,died\n1,12,1\n2,-3,0\n' },
      { dataset: 'neg', time: { basis: 'relative', unit: 'days' }, files: [{ path: 'p.csv', id: 'id', followUp: { end: 'end', eventIndicator: 'died' } }] },
    );
    await expectRefused(db, m, /^p, line 3, column "end": value "-3": negative follow-up: it ends before the index \(offset 0\)/);
  });

  it('a data file path that is a directory or a device', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'folder.csv'));
    const folder = resolveMapping({ dataset: 'd', files: [{ path: 'folder.csv', id: 'id' }] }, join(dir, 'm.json'), dir);
    await expectRefused(db, folder, /^folder: .*folder\.csv is a directory, not a CSV file/);
    const device = resolveMapping({ dataset: 'd', files: [{ path: '/dev/zero', id: 'id' }] }, join(dir, 'm.json'), dir);
    await expectRefused(db, device, /^zero: \/dev\/zero is not a regular file \(a device, pipe or socket\)/);
  });

  it('a mapping path that is a directory or a device', () => {
    expect(() => loadMapping(tempDir())).toThrow(/is a directory, not a mapping file/);
    expect(() => loadMapping('/dev/zero')).toThrow(/\/dev\/zero is not a regular file/);
  });

  it('a line that never ends stops at the limit with a clear message', async () => {
    const dir = tempDir();
    writeCsv(dir, 'p.csv', 'id,note\n1,' + 'x'.repeat(9 * 1024 * 1024));
    const m = resolveMapping({ dataset: 'd', files: [{ path: 'p.csv', id: 'id', static: ['note'] }] }, join(dir, 'm.json'), dir);
    await expectRefused(db, m, /^p, line 2: a record longer than 8 MiB \(no line break\): not a CSV file, or a broken one/);
  });

  it('the good files import (each case above fails for its one defect)', async () => {
    const result = await importDataset(db, calendar('id,entry,end\n1,2001-01-01,2005-01-01\n2,2001-02-01,2005-01-01\n'));
    expect(result.measurements).toBe(2);
  });
});
