import { describe, expect, it } from 'vitest';
import { summarizeDataset } from '../../main/ingest/datasetSummary.js';
import { csvFacts } from '../support/csvFacts.js';
import { freshStore, importWorkedExample } from '../support/store.js';

describe('import of the shared data sets (README worked examples)', () => {
  it('imports steno2 + st2clin + st2alb as one dataset, with counts matching the CSV files', async () => {
    const { db } = freshStore();
    const result = await importWorkedExample(db, 'steno2');
    const steno = csvFacts('steno2.csv');
    const clin = csvFacts('st2clin.csv');
    const alb = csvFacts('st2alb.csv');

    expect(result.patients).toBe(steno.distinct('id'));
    expect(result.rowsRead).toBe(steno.rows + clin.rows + alb.rows);
    expect(result.files.map((f) => f.rows)).toEqual([steno.rows, clin.rows, alb.rows]);
    expect(result.measurements).toBe(clin.nonMissing('a1c', 'chol', 'crea') + alb.nonMissing('state'));
    expect(result.events).toBe(steno.nonMissing('doCVD1', 'doCVD2', 'doCVD3', 'doESRD', 'doDth'));
    expect(result.outcomes).toBe(steno.rows);

    const summary = summarizeDataset(db, 'steno2');
    const deaths = steno.nonMissing('doDth');
    expect(summary.outcomeEvents).toEqual([{ type: 'death', count: deaths }]);
    expect(summary.censoringRate).toBeCloseTo(1 - deaths / steno.rows, 10);
    const byName = Object.fromEntries(summary.variables.map((v) => [v.variable.name, v]));
    expect(byName.sex!.variable.kind).toBe('binary');
    expect(byName.sex!.categories).toEqual([
      { level: 'M', count: steno.col('sex').filter((s) => s === 'M').length },
      { level: 'F', count: steno.col('sex').filter((s) => s === 'F').length },
    ]);
    expect(byName.a1c!.variable).toMatchObject({ kind: 'numeric', unit: 'mmol/mol', role: 'measurement' });
    expect(byName.a1c!.observed).toBe(clin.nonMissing('a1c'));
    expect(byName.birth_date!.variable.kind).toBe('date');
    expect(byName.albuminuria!.variable.categories).toEqual(['Mac', 'Mic', 'Norm']);
    const a1c = clin.col('a1c').filter((v) => v !== 'NA').map(Number);
    expect(byName.a1c!.numeric!.min).toBe(Math.min(...a1c));
    expect(byName.a1c!.numeric!.max).toBe(Math.max(...a1c));
  });

  it('stores real dates and expresses them as days from each patient index date', async () => {
    const { db } = freshStore();
    await importWorkedExample(db, 'steno2');
    // Patient 1 entered on 1993-04-30 (doBase) and had a visit on 1993-05-07 (st2clin).
    const visit = db
      .prepare(
        `SELECT mt.datetime, mt.days_from_index FROM measurement_times mt JOIN patients p ON p.id = mt.patient_id
          JOIN variables v ON v.id = mt.variable_id WHERE p.source_key = '1' AND v.name = 'a1c' ORDER BY mt.time LIMIT 1`,
      )
      .get();
    expect(visit).toEqual({ datetime: '1993-05-07 00:00:00', days_from_index: 7 });
    const outcome = db
      .prepare(`SELECT ot.followup_end_datetime, ot.event_datetime, ot.followup_days_from_index FROM outcome_times ot JOIN patients p ON p.id = ot.patient_id WHERE p.source_key = '3'`)
      .get();
    // Patient 3: doBase 1993-05-17, doEnd 2001-08-21, doDth 2001-09-20.
    expect(outcome).toEqual({ followup_end_datetime: '2001-08-21 00:00:00', event_datetime: '2001-09-20 00:00:00', followup_days_from_index: 3018 });
  });

  it('imports icu_patient + icu_daily with relative day offsets and an event indicator', async () => {
    const { db } = freshStore();
    const result = await importWorkedExample(db, 'icu');
    const patients = csvFacts('icu_patient.csv');
    const daily = csvFacts('icu_daily.csv');
    expect(result.patients).toBe(patients.distinct('CombinedID'));
    expect(result.rowsRead).toBe(patients.rows + daily.rows);
    expect(result.measurements).toBe(daily.nonMissing('caloriesPercentage', 'proteinGproKG'));
    const summary = summarizeDataset(db, 'icu');
    const died = patients.col('PatientDied').filter((v) => v === '1').length;
    expect(summary.outcomeEvents).toEqual([{ type: 'death', count: died }]);
    expect(summary.visits).toBe(daily.rows);
    expect(summary.followUpDays!.max).toBeCloseTo(Math.max(...patients.col('Survdays').map(Number)), 10);
    const icu = summary.variables.find((v) => v.variable.name === 'icu')!;
    expect(icu.variable.kind).toBe('categorical'); // overridden in the mapping: ICU ids are labels, not numbers
    expect(summary.variables.find((v) => v.variable.name === 'diagnosis')!.categories).toHaveLength(patients.distinct('DiagID2'));
    // A patient who died on day 9.8 has nutrition rows for days 10..: warned, still imported.
    expect(result.warningsByCode['visit-after-death']).toBeGreaterThan(0);
  });
});
