import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, showCohort } from '../../main/cohort/cohortService.js';
import { unscale, type NumericCodec } from '../../main/sequence/codecs.js';
import type { Encoding } from '../../main/sequence/encoding.js';
import { matchChannels, matchingTable } from '../../main/sequence/matchChannels.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition, steno2CohortStore } from '../support/cohorts.js';
import { importWorkedExample } from '../support/store.js';

/*
 * Channel matching (issue 17) on real encodings: the Steno-2 death cohort as a source, the
 * same cohort of one arm as a target (its scalers fitted to its own patients), that target
 * changed where real cohorts differ (kinds, units, levels, times), and the ICU cohort.
 */
let db: Db;
let whole: Encoding;
let intensive: Encoding;

beforeAll(async () => {
  db = (await steno2CohortStore()).db;
  whole = showCohort(db, 'steno2_death').encoding;
  const def = cohortDefinition('steno2-death');
  const armInt = createCohort(db, { ...def, name: 'steno2_int', criteria: [...(def.criteria ?? []), { type: 'static', variable: 'arm', in: ['Int'], label: 'intensive arm' }] });
  intensive = showCohort(db, armInt.name).encoding;
}, 60_000);

const numeric = (enc: Encoding, name: string) => enc.measurements.find((m) => m.name === name)!;

describe('channel matching between a trained model\'s encoding and a new cohort\'s', () => {
  it('matches the same variables of two cohorts, each numeric column re-based to mean the same value', () => {
    const m = matchChannels(whole, intensive);
    expect(m.conflicts).toEqual([]);
    const row = (channel: string) => m.rows.find((r) => r.channel === channel)!;
    for (const name of ['a1c', 'chol', 'crea', 'albuminuria', 'sex', 'birth_date', 'index date', 'gap', 'event death', 'status death', 'follow-up after the last step']) expect(row(name).status, name).toBe('matched');
    // The scalers differ (each fitted to its own patients), so a column is an affine map of the other's.
    for (const name of ['a1c', 'crea']) {
      const [s, t] = [numeric(whole, name), numeric(intensive, name)];
      expect(JSON.stringify(s.codec)).not.toBe(JSON.stringify(t.codec));
      const col = t.offset;
      expect(m.step.from[col]).toBe(s.offset);
      expect(m.step.from[t.maskOffset]).toBe(s.maskOffset);
      for (const x of [-1.5, 0, 0.7, 2]) expect(unscale((s.codec as NumericCodec).scaler, m.step.scale[col]! * x + m.step.shift[col]!)).toBeCloseTo(unscale((t.codec as NumericCodec).scaler, x), 6);
    }
    // Cholesterol is skewed enough to be log-scaled in the whole cohort, not in one arm: the closest line, said so.
    expect(row('chol')).toMatchObject({ status: 'matched', note: 're-based approximately (scaled log in the source, standard here)' });
    const chol = numeric(intensive, 'chol');
    for (const x of [-1, 0, 1]) expect(unscale((numeric(whole, 'chol').codec as NumericCodec).scaler, m.step.scale[chol.offset]! * x + m.step.shift[chol.offset]!) / unscale((chol.codec as NumericCodec).scaler, x)).toBeCloseTo(1, 1);
    // One arm: its binary channel holds one level, not the source's two: a channel of its own.
    expect(row('arm')).toMatchObject({ status: 'new', note: 'levels Int here, Conv, Int in the source' });
    // Every target column that matched points at a source column of the same part, and no two at one.
    for (const part of ['statics', 'step', 'outcome'] as const) {
      const from = [...m[part].from].filter((f) => f >= 0);
      expect(new Set(from).size).toBe(from.length);
      expect(Math.max(...from)).toBeLessThan(whole[part === 'statics' ? 'staticWidth' : part === 'step' ? 'stepWidth' : 'outcomeWidth']);
    }
    expect(matchingTable(m)[0]).toMatch(/^\d+ channels matched, 1 new, 0 dropped$/);
  });

  it('starts fresh where kinds, units, levels or transforms differ, and drops what the new cohort lacks', () => {
    const changed: Encoding = structuredClone(intensive);
    const at = (name: string) => changed.measurements.find((f) => f.name === name)!;
    at('chol').unit = 'mg/dL';
    at('crea').codec = { type: 'onehot', levels: ['low', 'high'] };
    const alb = at('albuminuria');
    alb.codec = { type: 'onehot', levels: ['Mac', 'Norm', 'Nephrotic'] };
    at('a1c').name = 'hba1c';
    changed.statics.find((f) => f.name === 'sex')!.kind = 'categorical';
    const m = matchChannels(whole, changed);
    const row = (channel: string) => m.rows.find((r) => r.channel === channel)!;
    expect(row('chol')).toMatchObject({ status: 'new', note: 'in mmol/L in the source' });
    expect(row('crea')).toMatchObject({ status: 'new', note: 'encoded numeric in the source, onehot here' });
    expect(row('hba1c').status).toBe('new');
    expect(row('a1c').status).toBe('dropped');
    expect(row('sex')).toMatchObject({ status: 'new', note: 'binary in the source' });
    // Levels match one by one, in whichever order: Mic is gone, Nephrotic is new.
    expect(row('albuminuria')).toMatchObject({ status: 'matched', note: 'new levels: Nephrotic; levels dropped: Mic' });
    const src = (whole.measurements.find((f) => f.name === 'albuminuria')!.codec as { levels: string[] }).levels;
    expect(m.step.from[alb.offset]).toBe(numeric(whole, 'albuminuria').offset + src.indexOf('Mac'));
    expect(m.step.from[alb.offset + 1]).toBe(numeric(whole, 'albuminuria').offset + src.indexOf('Norm'));
    expect(m.step.from[alb.offset + 2]).toBe(-1);
    // A binary channel with its levels the other way round is the complement of the source's.
    const flipped: Encoding = structuredClone(whole);
    const sex = flipped.statics.find((f) => f.name === 'sex')!;
    (sex.codec as { levels: string[] }).levels.reverse();
    const f = matchChannels(whole, flipped);
    expect(f.rows.find((r) => r.channel === 'sex')).toMatchObject({ status: 'matched', note: 'levels in the other order' });
    expect([f.statics.scale[sex.offset], f.statics.shift[sex.offset]]).toEqual([-1, 1]);
  });

  it('matches no step of a cohort whose steps or times mean something else, and only the outcome\'s status of another dataset', async () => {
    await importWorkedExample(db, 'icu');
    const icu = showCohort(db, createCohort(db, cohortDefinition('icu-death')).name).encoding;
    const m = matchChannels(whole, icu);
    // Steno-2's times are calendar dates, ICU's days from admission.
    expect(m.conflicts).toEqual(['times are calendar in the source, relative here']);
    expect([...m.step.from].every((f) => f === -1)).toBe(true);
    expect(m.rows.filter((r) => r.status === 'matched').map((r) => r.channel)).toEqual(expect.arrayContaining(['status censored', 'status death']));
    expect(m.rows.find((r) => r.channel === 'a1c')!.status).toBe('dropped');
    expect(matchingTable(m)[0]).toContain('(times are calendar in the source, relative here: no step channel matches)');
  }, 60_000);
});
