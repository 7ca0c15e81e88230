import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SHARED_DATASETS } from '../support/syntheticLabs.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, showCohort } from '../../main/cohort/cohortService.js';
import { realPatients } from '../../main/evaluation/data.js';
import { identifierLike, roundToStep, valueStep } from '../../main/review/caseTreatment.js';
import { createReviewSession, ReviewSettingsError } from '../../main/review/session.js';
import { exportSessionFile } from '../../main/review/sessionFile.js';
import { DatasetRepository } from '../../main/store/repositories/datasetRepository.js';
import { ReviewRepository } from '../../main/store/repositories/reviewRepository.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition } from '../support/cohorts.js';
import { steno2WithSyntheticSet } from '../support/fixtures.js';
import { csvFacts } from '../support/csvFacts.js';
import { MAPPINGS, tempDir } from '../support/store.js';
import { importDataset } from '../../main/ingest/importer.js';
import { resolveMapping } from '../../main/ingest/mapping.js';

interface FileCase {
  position: number;
  statics: { name: string; value: string }[];
  steps: { day: number; values: Record<string, string | number>; events: string[] }[];
  outcome: { day: number; status: string };
}
interface SessionFile {
  format: string;
  containsRealPatientData: boolean;
  warning: string;
  treatment: { rounding: { variable: string; step: number }[]; maxJitterDays: number };
  cases: FileCase[];
}

let db: Db;
let set: string;
beforeAll(async () => {
  ({ db, set } = await steno2WithSyntheticSet());
});

describe('review session settings', () => {
  it('refuses a synthetic share outside (0, 1), a count of cases that is not a whole number, and a mix without both kinds', () => {
    const repo = new ReviewRepository(db);
    const before = repo.list().length;
    // Today --synthetic-share 2 --cases 10 creates 41 cases, 21 of them real.
    expect(() => createReviewSession(db, { set, cases: 10, syntheticShare: 2, seed: 1 })).toThrow(ReviewSettingsError);
    expect(() => createReviewSession(db, { set, cases: 10, syntheticShare: 2, seed: 1 })).toThrow('The synthetic share must be above 0 and below 1, not 2.');
    for (const share of [0, 1, -0.5, Number.NaN]) expect(() => createReviewSession(db, { set, cases: 10, syntheticShare: share, seed: 1 })).toThrow(/synthetic share must be above 0 and below 1/);
    expect(() => createReviewSession(db, { set, cases: 10.5, seed: 1 })).toThrow('The number of cases must be a whole number of at least 2, not 10.5.');
    for (const cases of [1, 0, -4, Number.POSITIVE_INFINITY]) expect(() => createReviewSession(db, { set, cases, seed: 1 })).toThrow(/number of cases must be a whole number of at least 2/);
    // 0.1 of 4 cases rounds to no synthetic case at all: every case would be real.
    expect(() => createReviewSession(db, { set, cases: 4, syntheticShare: 0.1, seed: 1 })).toThrow('A synthetic share of 0.1 of 4 cases gives 0 synthetic and 4 real cases; a session needs at least one of each.');
    expect(repo.list()).toHaveLength(before);
  });
});

describe('the review session file', () => {
  it('says in the file that it holds real patient data, and every export is audit-logged with the reviewer and case counts', () => {
    const s = createReviewSession(db, { set, cases: 12, syntheticShare: 0.5, seed: 3 });
    const dir = tempDir();
    const file = join(dir, 'session.json');
    const r = exportSessionFile(db, String(s.id), file, { reviewer: 'Dr A. Reviewer' });
    expect(r).toMatchObject({ cases: 12, real: 6, synthetic: 6 });
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as SessionFile;
    expect(parsed.containsRealPatientData).toBe(true);
    expect(parsed.warning).toMatch(/^CONTAINS REAL PATIENT DATA/);
    // The file is written whole or not at all: nothing else is left beside it.
    expect(readdirSync(dir)).toEqual(['session.json']);
    exportSessionFile(db, s.token, join(dir, 'second.json'), { reviewer: 'Dr B' });
    const log = new ReviewRepository(db).exportLog(s.id);
    expect(log.map((e) => ({ reviewer: e.reviewer, path: e.path, cases: e.cases, real: e.real, synthetic: e.synthetic }))).toEqual([
      { reviewer: 'Dr A. Reviewer', path: file, cases: 12, real: 6, synthetic: 6 },
      { reviewer: 'Dr B', path: join(dir, 'second.json'), cases: 12, real: 6, synthetic: 6 },
    ]);
  });

  it('never overwrites an existing file, and needs a reviewer', () => {
    const s = createReviewSession(db, { set, cases: 6, syntheticShare: 0.5, seed: 4 });
    const dir = tempDir();
    const file = join(dir, 'notes.json');
    writeFileSync(file, 'the steward’s own notes');
    expect(() => exportSessionFile(db, String(s.id), file, { reviewer: 'Dr A' })).toThrow(`${file} already exists; a session file never replaces a file. Choose another name.`);
    expect(readFileSync(file, 'utf8')).toBe('the steward’s own notes');
    expect(() => exportSessionFile(db, String(s.id), join(dir, 'x.json'), { reviewer: '  ' })).toThrow(/needs the name of the reviewer/);
    expect(readdirSync(dir)).toEqual(['notes.json']);
    expect(new ReviewRepository(db).exportLog(s.id)).toEqual([]);
  });

  it('refuses to export a session created before cases were rounded and jittered', () => {
    const s = createReviewSession(db, { set, cases: 6, syntheticShare: 0.5, seed: 5 });
    db.prepare('UPDATE review_sessions SET treatment_json = NULL WHERE id = ?').run(s.id);
    const file = join(tempDir(), 's.json');
    expect(() => exportSessionFile(db, String(s.id), file, { reviewer: 'Dr A' })).toThrow(/was created before review cases were rounded and jittered/);
    expect(existsSync(file)).toBe(false);
  });

  it('carries only what a reviewer needs, treated exactly the same for real and synthetic cases', () => {
    const s = createReviewSession(db, { set, cases: 20, syntheticShare: 0.5, seed: 9 });
    const file = join(tempDir(), 'session.json');
    exportSessionFile(db, String(s.id), file, { reviewer: 'Dr A' });
    const text = readFileSync(file, 'utf8');
    const parsed = JSON.parse(text) as SessionFile;
    // No calendar date of any kind.
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    // Each variable's precision comes from the spread of its recorded values: five steps per standard deviation, never finer than recorded.
    const steps = Object.fromEntries(parsed.treatment.rounding.map((r) => [r.variable, r.step]));
    expect(steps).toEqual({ a1c: 2, chol: 0.2, crea: 5 });
    const truth = new Map(new ReviewRepository(db).cases(s.id).map((c) => [c.position, c]));
    const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;
    for (const c of parsed.cases) {
      for (const step of c.steps)
        for (const [name, value] of Object.entries(step.values)) {
          if (typeof value !== 'number') continue;
          expect(Math.abs(value / steps[name]! - Math.round(value / steps[name]!)), `case ${c.position} ${name} ${value}`).toBeLessThan(1e-9);
          expect(decimals(value)).toBeLessThanOrEqual(decimals(steps[name]!));
        }
      // Ages in whole years, day offsets whole days in visit order, the end of follow-up not before the last visit.
      for (const st of c.statics.filter((x) => /years/.test(x.name))) expect(st.value).toMatch(/^-?\d+$/);
      const days = c.steps.map((x) => x.day);
      expect(days).toEqual([...days].sort((a, b) => a - b));
      expect(days.every(Number.isInteger)).toBe(true);
      expect(c.outcome.day).toBeGreaterThanOrEqual(days.at(-1) ?? 0);
      expect(['real', 'synthetic']).toContain(truth.get(c.position)!.truth);
    }
    // Real cases: every value is the patient's own value rounded, every day moved by at most a few days; many differ from the record.
    const cohort = showCohort(db, 'steno2_death');
    const holdout = new Map(realPatients(db, cohort, 'holdout').map((p) => [p.timeline.patientId, p.timeline]));
    const datasets = new DatasetRepository(db);
    const names = new Map(datasets.variables(datasets.find('steno2')!.id).map((v) => [v.id, v.name]));
    let values = 0;
    let verbatim = 0;
    let moved = 0;
    let visits = 0;
    for (const c of parsed.cases.filter((x) => truth.get(x.position)!.truth === 'real')) {
      const tl = holdout.get(truth.get(c.position)!.patientId)!;
      const times = [...new Set([...tl.measurements.filter((m) => m.num !== null || m.txt !== null).map((m) => m.time), ...tl.events.map((e) => e.time)])].sort((a, b) => a - b);
      expect(c.steps).toHaveLength(times.length);
      times.forEach((time, i) => {
        const original = Math.round(time - tl.indexTime);
        expect(Math.abs(c.steps[i]!.day - original)).toBeLessThanOrEqual(parsed.treatment.maxJitterDays);
        visits++;
        if (c.steps[i]!.day !== original) moved++;
        for (const m of tl.measurements.filter((x) => x.time === time && x.num !== null && x.txt === null)) {
          const name = names.get(m.variableId)!;
          if (!(name in steps)) continue;
          values++;
          expect(c.steps[i]!.values[name]).toBe(roundToStep(m.num!, steps[name]!));
          if (c.steps[i]!.values[name] === m.num) verbatim++;
        }
      });
    }
    expect(values).toBeGreaterThan(50);
    expect(verbatim / values).toBeLessThan(0.5);
    expect(moved / visits).toBeGreaterThan(0.5);
  });
});

describe('the treatment of review values', () => {
  it('derives a step from the recorded values and spots identifier-like columns', () => {
    const steno = csvFacts('steno2.csv');
    const clin = csvFacts('st2clin.csv');
    const numbers = (col: string) => clin.col(col).filter((v) => v !== 'NA' && v !== '').map(Number);
    expect(valueStep(numbers('a1c'))).toBe(2);
    expect(valueStep(numbers('crea'))).toBe(5);
    // Never finer than recorded: whole numbers with a narrow spread stay whole.
    expect(valueStep(steno.col('baseCVD').map(Number))).toBe(1);
    expect(roundToStep(3.9, 0.2)).toBe(4);
    expect(roundToStep(87.3, 2)).toBe(88);
    expect(roundToStep(0.30000000000000004, 0.1)).toBe(0.3);
    // A record number or a name is identifier-like; an arm, a sex or an albuminuria state is not.
    expect(identifierLike(steno.col('id'))).toBe(true);
    expect(identifierLike(steno.col('doBth'))).toBe(true);
    expect(identifierLike(steno.col('allo'))).toBe(false);
    expect(identifierLike(steno.col('sex'))).toBe(false);
    expect(identifierLike(csvFacts('st2alb.csv').col('state'))).toBe(false);
  });
});

describe('a source with a free-text identifier', () => {
  it('leaves the identifier out of every case, and says so in the file', async () => {
    // Steno-2 with its record number also kept as a text static, as an export of a clinical system might have it.
    const mapping = JSON.parse(readFileSync(join(MAPPINGS, 'steno2.mapping.json'), 'utf8')) as { dataset: string; files: { path: string; static?: Record<string, object> }[] };
    mapping.dataset = 'steno2_ids';
    for (const f of mapping.files) f.path = join(SHARED_DATASETS, f.path.split('/').at(-1)!);
    mapping.files[0]!.static = { ...mapping.files[0]!.static, id: { name: 'record_number', kind: 'categorical' } };
    const dir = tempDir();
    await importDataset(db, resolveMapping(mapping, join(dir, 'mapping.json'), dir));
    createCohort(db, cohortDefinition('steno2-death', { name: 'steno2_ids_death', dataset: 'steno2_ids', drop: ['record_number'] }));
    const run = await train(db, { cohort: 'steno2_ids_death', family: 'vae', config: { hidden: 8, steps: 10, batchSize: 32 } });
    const idSet = (await generateSyntheticSet(db, { runId: run.runId, patients: 20 })).dataset;
    const s = createReviewSession(db, { set: idSet, cases: 10, syntheticShare: 0.5, seed: 2 });
    const file = join(dir, 'session.json');
    exportSessionFile(db, String(s.id), file, { reviewer: 'Dr A' });
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as SessionFile & { treatment: { withheld: string[] } };
    for (const c of parsed.cases) {
      expect(c.statics.map((x) => x.name)).not.toContain('record_number');
      expect(c.statics.map((x) => x.name)).toContain('arm');
    }
    expect(parsed.treatment.withheld).toEqual(['record_number']);
  });
});
