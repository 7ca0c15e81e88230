import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DateParser, MIN_YEAR } from '../../main/ingest/dateParser.js';
import { importDataset } from '../../main/ingest/importer.js';
import { missingTest } from '../../main/ingest/values.js';
import type { Db } from '../../main/store/database.js';
import { importInZone } from '../support/childImport.js';
import { caseFiles, expectRefused, storedMeasurements, utcDays } from '../support/importCase.js';
import { freshStore } from '../support/store.js';

const PATIENTS = 'id\n1\n2\n';

/** One patient file and a visit file whose `date` cells are `dates`, read with `file` settings. */
function visitDates(dates: string[], file: object = {}, top: object = {}) {
  const visits = ['id,date,crea', ...dates.map((d, i) => `${(i % 2) + 1},"${d}",${70 + i}`)].join('\n') + '\n';
  return caseFiles(
    { 'p.csv': PATIENTS, 'v.csv': visits },
    {
      dataset: 'dates',
      files: [
        { path: 'p.csv', id: 'id', patients: true },
        { path: 'v.csv', id: 'id', measurements: { layout: 'wide', time: 'date', columns: ['crea'] }, ...file },
      ],
      ...top,
    },
  );
}

const times = (db: Db, datasetId: number) => storedMeasurements(db, datasetId).sort((a, b) => a[3]! - b[3]!).map((m) => m[2]);

describe('years: no silent century guess, no implausible years', () => {
  let db: Db;
  beforeEach(() => {
    db = freshStore().db;
  });

  it('refuses a two-digit year in a four-digit format', async () => {
    await expectRefused(db, visitDates(['03/04/1985', '03/04/85'], { dateFormat: 'dd/MM/yyyy' }), /^v, line 3, column "date": value "03\/04\/85": a two-digit year/);
  });

  it('refuses a "yy" format without a pivot, and reads it with one', async () => {
    await expectRefused(db, () => visitDates(['03/04/85'], { dateFormat: 'dd/MM/yy' }), /dateFormat "dd\/MM\/yy" has a two-digit year: give "twoDigitYearPivot"/);
    const result = await importDataset(db, visitDates(['03/04/19', '03/04/85', '03/04/20'], { dateFormat: 'dd/MM/yy', twoDigitYearPivot: 1920 }));
    expect(times(db, result.datasetId)).toEqual([utcDays('2019-04-03'), utcDays('1985-04-03'), utcDays('1920-04-03')]);
  });

  it('refuses years before 1850 and after next year', async () => {
    const next = new Date().getUTCFullYear() + 1;
    await expectRefused(db, visitDates(['1850-01-01', '1849-12-31']), /^v, line 3, column "date": value "1849-12-31": year 1849 is before 1850/);
    await expectRefused(db, visitDates([`${next}-12-31`, `${next + 1}-01-01`]), new RegExp(`^v, line 3, column "date": value "${next + 1}-01-01": year ${next + 1} is after ${next}`));
    const result = await importDataset(db, visitDates(['1850-01-01', `${next}-12-31`]));
    expect(result.measurements).toBe(2);
  });

  it('refuses out-of-range years in a date variable too', async () => {
    const m = caseFiles({ 'p.csv': 'id,born\n1,1960-05-01\n2,0960-05-01\n' }, { dataset: 'born', files: [{ path: 'p.csv', id: 'id', static: { born: { kind: 'date' } } }] });
    await expectRefused(db, m, /^p, line 3, column "born": value "0960-05-01": year 960 is before 1850/);
  });
});

describe('time zones: the same file gives the same times on every workstation', () => {
  it('converts times with an offset to UTC', () => {
    const m = visitDates(['2001-08-21T10:30:00+02:00', '2001-12-01T23:15Z', '2001-03-25 01:30-05:00', '2001-08-21T10:30:00.5+0530']);
    const expected = [utcDays('2001-08-21T08:30'), utcDays('2001-12-01T23:15'), utcDays('2001-03-25T06:30'), utcDays('2001-08-21T05:00:00.5')];
    for (const tz of ['Asia/Kolkata', 'America/New_York', 'Europe/Copenhagen']) {
      const got = importInZone(m.source, tz);
      expect(got.error).toBeUndefined();
      expect(got.times, tz).toEqual(expected);
    }
  });

  it('reads times without an offset in the declared zone, dates as calendar days, on any workstation', () => {
    const m = visitDates(['2001-08-21T10:30', '2001-12-01 10:30', '2001-08-21', '2001-08-21T10:30:00+02:00'], {}, { timeZone: 'Europe/Copenhagen' });
    const expected = [utcDays('2001-08-21T08:30'), utcDays('2001-12-01T09:30'), utcDays('2001-08-21'), utcDays('2001-08-21T08:30')];
    for (const tz of ['Asia/Kolkata', 'America/New_York']) {
      const got = importInZone(m.source, tz);
      expect(got.times, tz).toEqual(expected);
      expect(got.timeZone).toBe('Europe/Copenhagen');
    }
  });

  it('reads times without an offset in the workstation zone by default, and records that zone in the import log', () => {
    const m = visitDates(['2001-08-21T10:30', '2001-08-22']);
    const ny = importInZone(m.source, 'America/New_York');
    expect(ny).toMatchObject({ times: [utcDays('2001-08-21T14:30'), utcDays('2001-08-22')], timeZone: 'America/New_York' });
    const kolkata = importInZone(m.source, 'Asia/Kolkata');
    expect(kolkata.times).toEqual([utcDays('2001-08-21T05:00'), utcDays('2001-08-22')]);
    expect(kolkata.timeZone).toBe(kolkata.localZone);
  });

  it('applies the zone to declared formats with a time, and offsets in them', async () => {
    const db = freshStore().db;
    const result = await importDataset(db, visitDates(['21/08/2001 10:30'], { dateFormat: 'dd/MM/yyyy HH:mm' }, { timeZone: 'Europe/Copenhagen' }));
    expect(times(db, result.datasetId)).toEqual([utcDays('2001-08-21T08:30')]);
    const withOffset = await importDataset(db, visitDates(['21/08/2001 10:30 -03:00'], { dateFormat: 'dd/MM/yyyy HH:mm xxx' }, { dataset: 'offset', timeZone: 'Europe/Copenhagen' }));
    expect(times(db, withOffset.datasetId)).toEqual([utcDays('2001-08-21T13:30')]);
  });

  it('refuses a local time that does not exist in the zone, reads a repeated one as the first', async () => {
    const db = freshStore().db;
    await expectRefused(db, visitDates(['2002-03-31T02:30'], {}, { timeZone: 'Europe/Copenhagen' }), /^v, line 2, column "date": value "2002-03-31T02:30": this local time does not exist in Europe\/Copenhagen/);
    const result = await importDataset(db, visitDates(['2002-10-27T02:30'], {}, { timeZone: 'Europe/Copenhagen' }));
    expect(times(db, result.datasetId)).toEqual([utcDays('2002-10-27T00:30')]);
  });

  it('refuses an unknown zone name in the mapping', async () => {
    const db = freshStore().db;
    await expectRefused(db, () => visitDates(['2001-01-01'], {}, { timeZone: 'Europe/Kopenhagen' }), /timeZone: "Europe\/Kopenhagen" is not a time zone/);
  });
});

describe('plain yyyy-mm-dd cells (read by arithmetic, the common case of a large import)', () => {
  it('give the same day as the full reading for every day from 1850 to next year, and refuse what it refuses', () => {
    const parser = new DateParser();
    const maxYear = new Date().getUTCFullYear() + 1;
    for (let ms = Date.UTC(MIN_YEAR, 0, 1); ms < Date.UTC(maxYear + 1, 0, 1); ms += 86_400_000) {
      const iso = new Date(ms).toISOString().slice(0, 10);
      expect(parser.read(iso).days, iso).toBe(ms / 86_400_000);
      // The same day with a time part goes the general way: both ways agree.
      expect(parser.read(`${iso}T00:00Z`).days, iso).toBe(ms / 86_400_000);
    }
    for (const bad of ['2001-02-29', '2000-02-30', '2001-04-31', '2001-13-01', '2001-00-10', '2001-01-00', '1849-12-31', `${maxYear + 1}-01-01`, '2001-1a-01', '20010-1-01']) {
      expect(parser.read(bad).problem, bad).toBeDefined();
    }
    expect(parser.read('2000-02-29').days).toBe(Date.UTC(2000, 1, 29) / 86_400_000);
    expect(parser.read(' 2001-08-21 ').days).toBe(Date.UTC(2001, 7, 21) / 86_400_000);
  });

  it('match a missing token only when trimmed to one, whatever its first character', () => {
    const isMissing = missingTest(['', 'NA', '.', '-', 'ünknown']);
    for (const cell of ['', ' ', 'NA', ' NA ', '.', '-', '\t-', 'ünknown', ' ünknown']) expect(isMissing(cell), JSON.stringify(cell)).toBe(true);
    for (const cell of ['4.2', 'N', 'NAN', '-1', '.5', 'x', 'ü']) expect(isMissing(cell), JSON.stringify(cell)).toBe(false);
    const plain = missingTest();
    for (const cell of ['', 'NA', 'NaN', ' NaN']) expect(plain(cell)).toBe(true);
    for (const cell of ['49.7', 'a1c', 'nan']) expect(plain(cell)).toBe(false);
  });
});
