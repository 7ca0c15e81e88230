import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import type { CohortDefinitionInput } from '../../main/cohort/definition.js';
import { levelOf } from '../../main/common/levels.js';
import { decodePatient } from '../../main/sequence/decode.js';
import { encodeBatch, encodePatient, patientOf } from '../../main/sequence/encode.js';
import { iterateTimelines, type PatientTimeline } from '../../main/sequence/timeline.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample } from '../support/store.js';

let db: Db;
beforeAll(async () => {
  db = freshStore().db;
  await importWorkedExample(db, 'steno2');
  await importWorkedExample(db, 'icu');
});

const timelinesOf = (r: CohortReport) => [...iterateTimelines(db, { cohortId: r.id, fromDays: r.definition.window.fromDays, batchSize: 97 })];

/**
 * A timeline in plain data, statics limited to those the encoding carries.
 * Values recorded with up to 9 decimals must come back exactly; full-precision
 * doubles (ICU calories, written by R with 15 digits) to 1e-9.
 */
function plain(tl: PatientTimeline, encoded: Set<number>, fullPrecision: Set<number>) {
  const nine = (x: number) => expect.closeTo(x, 9);
  return {
    indexTime: tl.indexTime,
    statics: [...tl.statics].filter(([id]) => encoded.has(id)).sort((a, b) => a[0] - b[0]),
    measurements: tl.measurements.map((m) => (fullPrecision.has(m.variableId) && m.num !== null ? { ...m, num: nine(m.num) } : m)),
    events: tl.events,
    outcome: tl.outcome,
  };
}

describe.each([
  ['steno2', cohortDefinition('steno2-death')],
  ['icu', cohortDefinition('icu-death')],
] as [string, CohortDefinitionInput][])('round trip on %s', (_name, def) => {
  it('irregular mode: decode(encode(patient)) is every patient exactly', () => {
    const report = createCohort(db, def);
    const timelines = timelinesOf(report);
    expect(timelines).toHaveLength(report.outcome.patients);
    const enc = report.encoding;
    const carried = new Set(enc.statics.flatMap((f) => (f.variableId === null ? [] : [f.variableId])));
    const fullPrecision = new Set(enc.measurements.filter((m) => m.codec.type === 'numeric' && m.codec.decimals === null).map((m) => m.variableId));
    expect(fullPrecision.size).toBe(_name === 'icu' ? 2 : 0);
    const batch = encodeBatch(timelines, enc);
    expect(batch.truncated).toBe(0);
    expect(batch.sequences).toHaveLength(timelines.length * enc.maxLength * enc.stepWidth);
    timelines.forEach((tl, i) => {
      const decoded = decodePatient(patientOf(batch, enc, i), enc);
      expect(plain(decoded, carried, new Set())).toEqual(plain(tl, carried, fullPrecision));
    });
    // Every measurement and event in the windows was encoded.
    const count = (f: (tl: PatientTimeline) => number) => timelines.reduce((n, tl) => n + f(tl), 0);
    const inWindows = db
      .prepare(
        `SELECT count(*) FROM cohort_members c JOIN measurements m ON m.patient_id = c.patient_id JOIN variables v ON v.id = m.variable_id
          WHERE c.cohort_id = ? AND m.time >= c.index_time + ? AND m.time <= c.index_time + c.outcome_days AND v.name NOT IN (${report.definition.drop.map(() => '?').join(',') || "''"})`,
      )
      .pluck()
      .get(report.id, report.definition.window.fromDays, ...report.definition.drop);
    expect(count((tl) => tl.measurements.length)).toBe(inWindows);
    expect(Array.from(batch.lengths).every((l, i) => l > 0 && l <= enc.maxLength && (l === enc.maxLength || batch.sequences[(i * enc.maxLength + l) * enc.stepWidth] === 0))).toBe(true);
  });

  it('grid mode: decoded values equal the aggregate of each bin, masked bins are empty', () => {
    const binDays = _name === 'icu' ? 2 : 180;
    const report = createCohort(db, {
      ...def,
      name: `${def.name}_grid`,
      timesteps: { mode: 'grid', binDays, aggregate: _name === 'icu' ? { calories_pct: 'mean', protein: 'max' } : { a1c: 'mean', crea: 'max' }, carryForward: true },
    });
    const enc = report.encoding;
    const how = new Map(enc.measurements.map((m) => [m.variableId, m.aggregate]));
    let bins = 0;
    for (const tl of timelinesOf(report)) {
      const from = report.definition.window.fromDays;
      const binOf = (t: number) => Math.floor((t - tl.indexTime - from) / binDays);
      // Expected: the aggregate of each (bin, variable), computed here from the raw measurements.
      const expected = new Map<string, (number | string | null)[]>();
      for (const m of tl.measurements) {
        if (!how.has(m.variableId)) continue;
        const key = `${binOf(m.time)}:${m.variableId}`;
        expected.set(key, [...(expected.get(key) ?? []), m.num ?? m.txt]);
      }
      const decoded = decodePatient(encodePatient(tl, enc), enc);
      const got = new Map(decoded.measurements.map((m) => [`${binOf(m.time)}:${m.variableId}`, m.num ?? m.txt]));
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, values] of expected) {
        const agg = how.get(Number(key.split(':')[1]))!;
        const want =
          agg === 'mean' ? (values as number[]).reduce((a, b) => a + b, 0) / values.length : agg === 'max' ? Math.max(...(values as number[])) : values.at(-1);
        if (typeof want === 'number') expect(got.get(key)).toBeCloseTo(want, 9);
        else expect(got.get(key)).toBe(want);
      }
      // Events keep their bin and count; the outcome is exact.
      const eventBins = (x: PatientTimeline) => x.events.map((e) => `${binOf(e.time)}:${e.type}`).sort();
      expect(eventBins(decoded)).toEqual(eventBins(tl));
      expect(decoded.outcome).toEqual(tl.outcome);
      expect(decoded.indexTime).toBe(tl.indexTime);
      bins += binOf(tl.indexTime + tl.outcome.days) + 1;
    }
    expect(report.encodingSummary.after.lengths!.mean * report.outcome.patients).toBeCloseTo(bins, 6);
    expect(report.encodingSummary.carriedShare).toBeGreaterThan(0);
  });
});

describe('encoding', () => {
  it('fits scaling on the training split only, and picks log for skewed labs', () => {
    const report = createCohort(db, cohortDefinition('steno2-death'));
    const enc = report.encoding;
    const field = (name: string) => enc.measurements.find((m) => m.name === name)!;
    const train = timelinesOf(report).filter((tl) => tl.split === 'train');
    const a1c = train.flatMap((tl) => tl.measurements.filter((m) => m.variableId === field('a1c').variableId).map((m) => m.num!));
    const mean = a1c.reduce((a, b) => a + b, 0) / a1c.length;
    expect(field('a1c').codec).toMatchObject({ type: 'numeric', scaler: { kind: 'standard' }, decimals: 1 });
    expect((field('a1c').codec as { scaler: { mean: number } }).scaler.mean).toBeCloseTo(mean, 9);
    // Creatinine is right-skewed (kidney failure): its log is standardised.
    expect(field('crea').codec).toMatchObject({ type: 'numeric', scaler: { kind: 'log', shift: 0 } });
    expect(field('albuminuria').codec).toEqual({ type: 'onehot', levels: ['Mac', 'Mic', 'Norm'] });
    expect(enc.statics.find((f) => f.name === 'sex')!.codec).toEqual({ type: 'binary', levels: ['F', 'M'] });
    // A user's choice overrides the automatic one.
    const minmax = createCohort(db, cohortDefinition('steno2-death', { name: 'steno2_minmax', transforms: { crea: 'minmax' } }));
    expect(minmax.encoding.measurements.find((m) => m.name === 'crea')!.codec).toMatchObject({ scaler: { kind: 'minmax' } });
  });

  it('truncates to maxLength, counts the cut patients, and keeps the outcome in the tail', () => {
    const report = createCohort(db, cohortDefinition('steno2-death', { name: 'steno2_short', timesteps: { mode: 'irregular', maxLength: 4 } }));
    expect(report.encodingSummary.truncated).toBeGreaterThan(0);
    expect(report.encodingSummary.after.lengths!.max).toBe(4);
    for (const tl of timelinesOf(report).slice(0, 20)) {
      const decoded = decodePatient(encodePatient(tl, report.encoding), report.encoding);
      expect(decoded.outcome).toEqual(tl.outcome);
      expect(decoded.measurements).toEqual(tl.measurements.filter((m) => m.time <= (decoded.measurements.at(-1)?.time ?? -Infinity)));
      expect(levelOf(null, 'x')).toBe('x');
    }
  });
});
