import { beforeAll, describe, expect, it } from 'vitest';
import { NO_PUBLIC_FACTS, type PublicFacts } from '../../preload/publicFacts.js';
import { createCohort, showCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import { Rng } from '../../main/common/rng.js';
import { channelSpec } from '../../main/models/channels.js';
import { privateHeads } from '../../main/models/privateHeads.js';
import { cellNoise, levelThreshold, noisyCounts } from '../../main/privacy/facts/gaussian.js';
import { checkDeclared } from '../../main/privacy/facts/loadPublicFacts.js';
import { latticeCell, latticeOf } from '../../main/privacy/facts/points.js';
import { privateEncoding } from '../../main/privacy/facts/privateEncoding.js';
import { contributionOf, gridOptions, type CohortSchema, type Contribution } from '../../main/privacy/facts/quantities.js';
import { checkReliable, FactsError, firstStage, releaseFacts, sumHistograms, undeclared, type FactsRelease } from '../../main/privacy/facts/release.js';
import { epsilonSpent, logErfc } from '../../main/privacy/rdpAccountant.js';
import { unscale } from '../../main/sequence/codecs.js';
import { encodeBatch } from '../../main/sequence/encode.js';
import { trainingData } from '../../main/models/minibatch.js';
import { binOf } from '../../main/models/outputBins.js';
import { iterateTimelines, type PatientTimeline } from '../../main/sequence/timeline.js';
import type { Db } from '../../main/store/database.js';
import { DatasetRepository } from '../../main/store/repositories/datasetRepository.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';
import { storedConfig } from '../../main/training/config.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { factsNoise, FACTS_SHARE, privacyConfig } from '../../main/training/privacyConfig.js';
import { cohortSchema } from '../../main/training/runFacts.js';
import { cohortDefinition, steno2CohortStore } from '../support/cohorts.js';
import { importWorkedExample } from '../support/store.js';

let db: Db;
let cohort: CohortReport;
let schema: CohortSchema;
let timelines: PatientTimeline[];
beforeAll(async () => {
  db = (await steno2CohortStore()).db;
  cohort = showCohort(db, 'steno2_death');
  schema = cohortSchema(db, cohort);
  timelines = [...iterateTimelines(db, { cohortId: cohort.id, fromDays: cohort.definition.window.fromDays, split: 'train' })];
}, 60_000);

const contributions = (declared: PublicFacts): Contribution[] => {
  const u = undeclared(schema, declared);
  return timelines.map((tl) => contributionOf(tl, u.quantities, schema, gridOptions(schema)));
};
const l2 = (a: Float64Array[], b: Float64Array[]) => Math.sqrt(a.reduce((s, h, i) => s + h.reduce((t, c, j) => t + (c - b[i]![j]!) ** 2, 0), 0));
/** The definition's public facts without their decimals: what a steward who knows ranges and levels but not how values are written declares. */
const withoutDecimals = (): PublicFacts => {
  const declared = cohort.definition.public!;
  return { ...declared, values: Object.fromEntries(Object.entries(declared.values).map(([k, v]) => [k, { range: v.range }])), timeDecimals: undefined };
};

describe("a private release of an encoding's facts", () => {
  it('counts each patient once: removing any training patient moves the histograms by at most the sensitivity the noise is sized for', () => {
    const all = contributions(NO_PUBLIC_FACTS);
    const { parts } = firstStage(undeclared(schema, NO_PUBLIC_FACTS), all);
    // Ranges of 11 values, decimals of 3, levels of 5 variables and the event types, time decimals: 21 histograms.
    expect(parts).toHaveLength(21);
    const sums = sumHistograms(all, parts);
    let largest = 0;
    for (let p = 0; p < all.length; p++) largest = Math.max(largest, l2(sums, sumHistograms([...all.slice(0, p), ...all.slice(p + 1)], parts)));
    // Each histogram of a patient sums to 1 (L2 at most 1): at most sqrt(21) in patients, which 1 / sqrt(21) scales to 1.
    expect(largest).toBeLessThanOrEqual(Math.sqrt(parts.length) + 1e-9);
    expect(largest).toBeGreaterThan(1);
    // The patients' own histograms: every patient counts 1 in the length histogram of the wide grid.
    const length = sums[undeclared(schema, NO_PUBLIC_FACTS).ranges.findIndex((q) => q.name === 'length')]!;
    expect(length.reduce((a, b) => a + b, 0)).toBeCloseTo(all.length, 9);
  });

  it('adds the noise it accounts for, the same from the same seed', () => {
    const sums = [Float64Array.of(3, 0, 5)];
    expect(Array.from(noisyCounts(sums, 4, 2.5, () => 1)[0]!)).toEqual([3 + 5, 5, 5 + 5]);
    expect(cellNoise(2.5, 4)).toBe(5);
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return releaseFacts(schema, timelines, NO_PUBLIC_FACTS, 1.5, 1e-6, () => rng.normal(), 32);
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    // The wide ranges, decimals and levels; the fine ranges; the lattice points of the values whose heads have more than 32.
    expect(draw(3)).toMatchObject({ sigma: 1.5, releases: 3, patients: 127, selectionDelta: 1e-6 });
    expect(draw(3).histograms.slice(0, 2)).toEqual([21, 11]);
  });

  it("finds the cohort's facts when the noise is small, and keeps a level only one patient holds out", () => {
    const rare: PatientTimeline = { ...timelines[0]!, patientId: -1, measurements: timelines[0]!.measurements.map((m) => (m.txt === 'Norm' ? { ...m, txt: 'Rare' } : m)) };
    expect(rare.measurements.some((m) => m.txt === 'Rare')).toBe(true);
    const rng = new Rng(1);
    const sigma = 0.05;
    const r = releaseFacts(schema, [...timelines, rare], NO_PUBLIC_FACTS, sigma, 1e-6, () => rng.normal(), 32);
    const levels = Object.fromEntries(r.levels.map((l) => [l.name, l.levels]));
    expect(levels).toMatchObject({ arm: ['Conv', 'Int'], sex: ['F', 'M'], albuminuria: ['Mac', 'Mic', 'Norm'], events: ['CVD', 'death', 'ESRD'] });
    // The values' ranges hold the patients' values, and are narrow where the values are (not the wide grid's decades).
    for (const name of ['a1c', 'chol', 'crea', 'birth_date', 'follow_up']) {
      const fact = r.ranges.find((f) => f.name === name)!;
      const values = timelines.flatMap((tl) => contributionOf(tl, undeclared(schema, NO_PUBLIC_FACTS).quantities, schema, null).real.get(name) ?? []);
      const inside = values.filter((x) => x >= fact.range[0] && x <= fact.range[1]).length;
      expect(inside / values.length, name).toBeGreaterThan(0.97);
      expect(fact.range[1] - fact.range[0], name).toBeLessThan(3 * (Math.max(...values) - Math.min(...values)));
      expect(fact.rangeSource).toBe('estimated');
    }
    expect(Object.fromEntries(r.ranges.filter((f) => f.decimalsSource).map((f) => [f.name, f.decimals]))).toEqual({ a1c: 1, chol: 1, crea: 0 });
    expect(r.timeDecimals).toBe(0);
    // The threshold: a level of one patient (1 in patients) passes it with probability delta over the cells one patient can add.
    const t = levelThreshold(sigma, 21, 133, 1e-6);
    const tail = 0.5 * Math.exp(logErfc((t - 1) / cellNoise(sigma, 21) / Math.SQRT2));
    expect(tail * 133).toBeCloseTo(1e-6, 10);
  });

  it('is refused on public grounds alone when its noise would drown the patients, naming what to declare', () => {
    const { sigma } = privacyConfig({ epsilon: 3, plan: { releases: 2, selecting: true } }, 64, 500, 127).facts!;
    expect(() => checkReliable(schema, NO_PUBLIC_FACTS, sigma, 127, 3)).toThrow(FactsError);
    expect(() => checkReliable(schema, NO_PUBLIC_FACTS, sigma, 127, 3)).toThrow(/21 undeclared facts .* Declare them public .*: index_date \(range\), .* albuminuria \(levels\), events \(levels\), time decimals; or raise epsilon\./);
    // Declared, nothing is estimated: nothing to refuse, whatever the noise.
    expect(() => checkReliable(schema, cohort.definition.public!, 1e6, 127, 3)).not.toThrow();
    expect(undeclared(schema, cohort.definition.public!).first).toBe(0);
    expect(() => checkDeclared(schema, { ...NO_PUBLIC_FACTS, values: { hba1c: { range: [20, 200] } } })).toThrow(/values\.hba1c: the cohort has no numeric or date variable .*; it has index_date, birth_date, diabetes_date, entry_date, a1c, chol, crea, gap, follow_up, length, end/);
    expect(() => checkDeclared(schema, { ...NO_PUBLIC_FACTS, levels: { arm: ['Conv', 'Conv'] }, eventTypes: ['CVD'] })).toThrow(/levels\.arm: a level is listed twice\n {2}eventTypes: the outcome's event types \(death\) must be among them/);
  });

  it('makes an encoding and output heads of the facts alone: each value scaled by its range, equal bins across it', () => {
    const r = releaseFacts(schema, timelines, cohort.definition.public!, 0, 0, () => 0, 32);
    const enc = privateEncoding(schema, r);
    expect(enc.fittedOn).toBe('private');
    const codec = (name: string) => enc.measurements.find((f) => f.name === name)!.codec;
    // a1c 20-200 spans a factor of 10: standard; creatinine 20-2000: log; both map their range to [-2, 2].
    expect(codec('a1c')).toEqual({ type: 'numeric', scaler: { kind: 'standard', mean: 110, sd: 45 }, decimals: 1 });
    const crea = codec('crea');
    expect(crea.type === 'numeric' && crea.scaler.kind).toBe('log');
    if (crea.type === 'numeric') [-2, 2].forEach((y, i) => expect(unscale(crea.scaler, y)).toBeCloseTo([20, 2000][i]!, 6));
    expect(enc.maxLength).toBe(20);
    expect(enc.statics.every((f) => f.variableId === null || f.maskOffset !== null)).toBe(true);
    const heads = privateHeads(enc, r, 32);
    const spec = channelSpec(enc, { heads });
    const a1c = spec.step.groups.find((g) => g.offset === enc.measurements[0]!.offset)!;
    expect(Math.min(...a1c.bins!.lo)).toBeCloseTo(-2, 9);
    expect(Math.max(...a1c.bins!.hi)).toBeCloseTo(2, 9);
    // Its points (values held exactly) and equal bins for the rest: 32 in all.
    const points = r.ranges.find((f) => f.name === 'a1c')!.points;
    expect(a1c.bins!.lo.length).toBe(32);
    expect(a1c.bins!.lo.filter((lo, i) => lo === a1c.bins!.hi[i]).length).toBe(points.length);
    expect(spec.step.patterns).toBeNull();
    expect(heads.followUpEnd).toBe(17166);
  });
});

describe('the points of a private encoding (values its heads hold exactly)', () => {
  it('are every value a range holds as written when there are few, else the lattice values many patients share, counted privately', async () => {
    const steno = releaseFacts(schema, timelines, cohort.definition.public!, 0, 0, () => 0, 32);
    const fact = (r: FactsRelease, name: string) => r.ranges.find((f) => f.name === name)!;
    // entry_date is the index date itself: declared -1 to 1 in whole days, three values, all public.
    expect(fact(steno, 'entry_date')).toMatchObject({ points: [-1, 0, 1], pointsSource: 'lattice' });
    // A gap of 0 to 9,000 whole days has too many lattice values to count each: they are counted in tens of days, where they fall exactly (none here).
    expect(latticeOf([0, 9000], 0)).toMatchObject({ step: 10, count: 901, whole: false });
    expect(fact(steno, 'gap')).toMatchObject({ points: [], pointsSource: 'estimated' });
    // ICU: daily steps (gaps of exactly one day), APACHE II scores from 0 to 71 in whole numbers.
    await importWorkedExample(db, 'icu');
    const icu = showCohort(db, createCohort(db, cohortDefinition('icu-death')).name);
    const icuSchema = cohortSchema(db, icu);
    const icuTimelines = [...iterateTimelines(db, { cohortId: icu.id, fromDays: 0, split: 'train' })];
    const rng = new Rng(2);
    const r = releaseFacts(icuSchema, icuTimelines, icu.definition.public!, 0.5, 1e-6, () => rng.normal(), 32);
    expect(fact(r, 'gap')).toMatchObject({ range: [0, 12], pointsSource: 'estimated' });
    expect(fact(r, 'gap').points).toContain(1);
    const apache = fact(r, 'apache_ii');
    expect(apache).toMatchObject({ decimals: 0, pointsSource: 'estimated' });
    expect(apache.points.length).toBeGreaterThan(8);
    expect(apache.points.length).toBeLessThanOrEqual(16);
    expect(apache.points.every((p) => Number.isInteger(p) && p >= 0 && p <= 71)).toBe(true);
    // Nutrition recorded to 4 decimals is counted on a coarser lattice where it falls exactly: often exactly none or all of its target.
    expect(fact(r, 'calories_pct').points).toEqual(expect.arrayContaining([0, 100]));
    const coarse = latticeOf([0, 200], 4)!;
    expect(coarse).toMatchObject({ step: 0.1, whole: false });
    expect(latticeCell(coarse, 0.0046)).toBeNull();
    expect(latticeCell(coarse, 100)).toBe(1000);
    // The continuous bins are cut at the quantiles of what the points do not hold: BMI (no points) cut around its median.
    const bmi = fact(r, 'bmi');
    const values = icuTimelines.flatMap((tl) => contributionOf(tl, undeclared(icuSchema, NO_PUBLIC_FACTS).quantities, icuSchema, null).real.get('bmi') ?? []).sort((a, b) => a - b);
    expect(bmi.edges).toHaveLength(33);
    expect(bmi.edges![0]).toBe(10);
    expect(bmi.edges![32]).toBe(80);
    bmi.edges!.slice(1).forEach((e, i) => expect(e).toBeGreaterThan(bmi.edges![i]!));
    expect(Math.abs(bmi.edges![16]! - values[Math.floor(values.length / 2)]!)).toBeLessThan(1);
    // Values outside the lattice are not piled onto its ends.
    expect(latticeCell(latticeOf([0, 200], 0)!, 250)).toBeNull();
    // A gap at its point, encoded as the training data holds it (float32), is read as that point, not as the bin around it.
    const enc = privateEncoding(icuSchema, r);
    const bins = channelSpec(enc, { heads: privateHeads(enc, r, 32) }).step.groups.find((g) => g.offset === enc.gap!.offset)!.bins!;
    const train = trainingData(encodeBatch(icuTimelines, enc), enc);
    let ones = 0;
    for (let p = 0; p < train.n; p++)
      for (let t = 0; t < train.lengths[p]!; t++) {
        const v = train.sequences[(p * train.steps + t) * enc.stepWidth + enc.gap!.offset]!;
        if (Math.abs(unscale(enc.gap!.scaler, v) - 1) > 1e-6) continue;
        ones++;
        const bin = binOf(bins, v);
        expect(bins.lo[bin]).toBe(bins.hi[bin]);
      }
    expect(ones).toBeGreaterThan(10_000);
  }, 60_000);
});

describe('a private run whose facts are partly estimated', () => {
  it('composes their release with its steps within the budget, and generates inside its ranges', async () => {
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 5, config: { hidden: 12, steps: 20, batchSize: 32, privacy: { epsilon: 10, public: withoutDecimals() } } });
    const repo = new TrainingRepository(db);
    const dp = storedConfig(repo.run(run.runId)!.configJson).config.privacy!;
    // Only the decimals are left, and the points: two releases, the first of four histograms, at the noise that takes its share of the budget.
    expect(dp.facts).toMatchObject({ releases: 2, selectionDelta: 0 });
    expect(dp.facts!.sigma).toBeCloseTo(factsNoise({ epsilon: 10, delta: 1e-5 }, 32 / 127, 20, 2), 9);
    expect(dp.facts!.release!.histograms[0]).toBe(4);
    expect(Object.fromEntries(dp.facts!.release!.ranges.filter((f) => f.decimalsSource).map((f) => [f.name, f.decimalsSource]))).toEqual({ a1c: 'estimated', chol: 'estimated', crea: 'estimated' });
    const spent = repo.losses(run.runId).at(-1)!.losses.epsilon!;
    const composed = epsilonSpent([{ q: 1, sigma: dp.facts!.sigma, steps: 2 }, { q: dp.sampleRate, sigma: dp.sigma, steps: 20 }], 1e-5);
    expect(spent).toBeCloseTo(composed, 9);
    expect(spent).toBeLessThanOrEqual(10);
    expect(spent).toBeGreaterThan(9.99);
    expect(epsilonSpent([{ q: dp.sampleRate, sigma: dp.sigma, steps: 20 }], 1e-5)).toBeLessThan(spent);
    expect(FACTS_SHARE).toBe(0.1);
    const set = await generateSyntheticSet(db, { runId: run.runId, patients: 40, margin: 0 });
    const a1c = db
      .prepare("SELECT m.num AS v FROM measurements m JOIN variables v ON v.id = m.variable_id JOIN patients p ON p.id = m.patient_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ? AND v.name = 'a1c'")
      .all(set.dataset) as { v: number }[];
    expect(a1c.length).toBeGreaterThan(0);
    expect(a1c.every((r) => r.v >= 20 && r.v <= 200)).toBe(true);
    // The set lists the levels its facts hold (as declared), not the real dataset's own list.
    const datasets = new DatasetRepository(db);
    const levelsIn = (dataset: string) => datasets.variables(datasets.find(dataset)!.id).find((v) => v.name === 'albuminuria')!.categories;
    expect(levelsIn('steno2')).toEqual(['Mac', 'Mic', 'Norm']);
    expect(levelsIn(set.dataset)).toEqual(['Norm', 'Mic', 'Mac']);
  }, 120_000);
});
