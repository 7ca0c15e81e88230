import { beforeEach, describe, expect, it } from 'vitest';
import { importDataset } from '../../main/ingest/importer.js';
import type { Db } from '../../main/store/database.js';
import { caseFiles, expectRefused, storedMeasurements, utcDays, variableKind } from '../support/importCase.js';
import { freshStore } from '../support/store.js';

const PATIENTS = 'id,sex\n1,M\n2,F\n3,M\n';

/** A visit file with 20 creatinine values, cells at `bad` (0-based row) replaced by the given text. */
function visits(column: 'crea' | 'seen', bad: Record<number, string>): string {
  const rows = Array.from({ length: 20 }, (_, i) => {
    const value = column === 'crea' ? String(70 + i) : `2001-02-${String(i + 1).padStart(2, '0')}`;
    return `${(i % 3) + 1},2001-01-${String(i + 1).padStart(2, '0')},${bad[i] ?? value}`;
  });
  return [`id,date,${column}`, ...rows].join('\n') + '\n';
}

function mapping(column: 'crea' | 'seen', bad: Record<number, string>, extra: object = {}) {
  return caseFiles(
    { 'p.csv': PATIENTS, 'v.csv': visits(column, bad) },
    {
      dataset: 'kinds',
      files: [
        { path: 'p.csv', id: 'id', patients: true, static: ['sex'] },
        { path: 'v.csv', id: 'id', measurements: { layout: 'wide', time: 'date', columns: [column] } },
      ],
      ...extra,
    },
  );
}

describe('import never guesses a kind silently', () => {
  let db: Db;
  beforeEach(() => {
    db = freshStore().db;
  });

  it('a column of numbers with 10% text stops at the first text cells (not a silent switch to categorical)', async () => {
    const err = await expectRefused(db, mapping('crea', { 4: '<5', 9: 'n/a' }), /^v, line 6, column "crea": value "<5": text in a numeric column/);
    expect(err.message).toContain('18 of 20 values');
    expect(err.message).toContain('line 11 "n/a"');
    expect(err.message).toContain('"onBadValue": "missing"');
  });

  it('with "onBadValue": "missing" it imports as numeric, each bad cell missing with a warning', async () => {
    const result = await importDataset(db, mapping('crea', { 4: '<5', 9: 'n/a' }, { onBadValue: 'missing' }));
    expect(variableKind(db, result.datasetId, 'crea')).toBe('numeric');
    expect(result.measurements).toBe(18);
    expect(result.warningsByCode).toEqual({ 'bad-value-missing': 2 });
    expect(result.warnings.map((w) => [w.file, w.line, w.column, w.value])).toEqual([
      ['v', 6, 'crea', '<5'],
      ['v', 11, 'crea', 'n/a'],
    ]);
    expect(result.warnings[0]!.message).toMatch(/text in a numeric column.*read as missing/);
  });

  it('"onBadValue" can be set for one variable', async () => {
    const m = mapping('crea', { 4: '<5' });
    m.files[1]!.measurements = { layout: 'wide', time: 'date', columns: { crea: { onBadValue: 'missing' } } } as never;
    const result = await importDataset(db, m);
    expect(result.warningsByCode).toEqual({ 'bad-value-missing': 1 });
  });

  it('a column of dates with some unparseable cells stops at them; with "onBadValue": "missing" it is a date column', async () => {
    await expectRefused(db, mapping('seen', { 2: 'unknown', 7: '2001-02-30' }), /^v, line 4, column "seen": value "unknown": unparseable date/);
    const result = await importDataset(db, mapping('seen', { 2: 'unknown', 7: '2001-02-30' }, { onBadValue: 'missing' }));
    expect(variableKind(db, result.datasetId, 'seen')).toBe('date');
    expect(result.warnings.map((w) => [w.line, w.value])).toEqual([
      [4, 'unknown'],
      [9, '2001-02-30'],
    ]);
    const first = storedMeasurements(db, result.datasetId).find(([key]) => key === '1')!;
    expect(first[3]).toBe(utcDays('2001-02-01'));
  });

  it('text with some numbers is categorical, and says so in a warning', async () => {
    const bad = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [i, ['low', 'mid', 'high'][i % 3]!]));
    const result = await importDataset(db, mapping('crea', bad));
    expect(variableKind(db, result.datasetId, 'crea')).toBe('categorical');
    expect(result.warningsByCode).toEqual({ 'kind-mixed': 1 });
    expect(result.warnings[0]).toMatchObject({ file: 'v', column: 'crea' });
    expect(result.warnings[0]!.message).toMatch(/6 of 20 values are numbers.*categorical.*"kind"/);
  });

  it.each([
    ['Inf', /infinite values are not accepted/],
    ['-Infinity', /infinite values are not accepted/],
    ['1e999', /the number overflows/],
  ])('refuses %s in a numeric column', async (cell, rule) => {
    await expectRefused(db, mapping('crea', { 5: cell }), new RegExp(`^v, line 7, column "crea": value "${cell}": ${rule.source}`));
  });

  it('refuses an overflowing number in a column the mapping declares numeric, and in a relative time offset', async () => {
    const m = mapping('crea', { 0: '-2e308' });
    m.variables = { crea: { kind: 'numeric' } };
    await expectRefused(db, m, /^v, line 2, column "crea": value "-2e308": the number overflows/);
    const relative = caseFiles(
      { 'p.csv': 'id,end\n1,30\n2,40\n', 'v.csv': 'id,day,crea\n1,1,70\n2,1e400,80\n' },
      {
        dataset: 'rel',
        time: { basis: 'relative', unit: 'days' },
        files: [
          { path: 'p.csv', id: 'id', patients: true, followUp: { end: 'end' } },
          { path: 'v.csv', id: 'id', measurements: { layout: 'wide', time: 'day', columns: ['crea'] } },
        ],
      },
    );
    await expectRefused(db, relative, /^v, line 3, column "day": value "1e400": the number overflows/);
  });
});
