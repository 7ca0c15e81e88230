import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { channelSpec, lossWeights, disposeWeights, partLoss, sampleOutputs, withinOrder, type PartSpec } from '../../main/models/channels.js';
import { Params } from '../../main/models/params.js';
import { within, withinLogits, withinWeights } from '../../main/models/within.js';
import { pearson } from '../../main/evaluation/stats.js';
import { aggregatePosterior, cholesky, drawLatent } from '../../main/models/latentPrior.js';
import { binOf, fitBins } from '../../main/models/outputBins.js';
import { Rng } from '../../main/common/rng.js';
import { fitPatterns, patternOf } from '../../main/models/stepPatterns.js';
import { defaultConfig } from '../../main/training/config.js';
import { loadTrainingData, train } from '../../main/training/engine.js';
import { followUpShare, tailsFromShares } from '../../main/training/followUpShare.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { observedRanges, snapToCommon } from '../../main/training/plausibility.js';
import type { Db } from '../../main/store/database.js';
import { steno2CohortStore } from '../support/cohorts.js';

let db: Db;
beforeAll(async () => {
  db = (await steno2CohortStore()).db;
});

/** A seeded sample of n values from a lognormal, rounded to whole days. */
const days = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Math.round(Math.exp(5 + rng.normal())));
};

describe('output bins', () => {
  it('keeps a value many share as a point mass and cuts the rest at quantiles', () => {
    // Visits 90 days apart on a schedule, the rest spread: the schedule is one exact bin.
    const values = [...Array(60).fill(90), ...days(200, 1)];
    const b = fitBins(values, 16);
    expect(b.lo.length).toBeLessThanOrEqual(16);
    const at90 = binOf(b, 90);
    expect([b.lo[at90], b.hi[at90]]).toEqual([90, 90]);
    const continuous = [...b.lo.keys()].filter((i) => b.lo[i]! < b.hi[i]!);
    expect(continuous.length).toBeGreaterThan(8);
    // Every training value falls in a bin that holds it.
    for (const v of values) expect(v >= b.lo[binOf(b, v)]! && v <= b.hi[binOf(b, v)]!).toBe(true);
    // Quantile bins: each holds a similar share of the non-scheduled values.
    const counts = continuous.map((i) => values.filter((v) => v !== 90 && binOf(b, v) === i).length);
    expect(Math.max(...counts)).toBeLessThan(4 * Math.min(...counts) + 8);
  });

  it('gives each value of a coarse variable its own bin, but never one seen fewer than 3 times', () => {
    const values = [...Array(20).fill(1), ...Array(15).fill(2), ...Array(9).fill(3), 7, 7];
    const b = fitBins(values, 32);
    const points = [...b.lo.keys()].filter((i) => b.lo[i] === b.hi[i]).map((i) => b.lo[i]);
    expect(points).toEqual([1, 2, 3]);
    // The rare 7 is still representable (inside a continuous bin), not an exact point.
    const at7 = binOf(b, 7);
    expect(b.lo[at7]).toBeLessThan(b.hi[at7]!);
    expect(fitBins([], 8)).toEqual({ lo: Float64Array.of(0), hi: Float64Array.of(0) });
  });
});

describe('step patterns', () => {
  it('keeps the patterns seen 3+ times and reads a rarer one as its nearest', () => {
    // Rows of 3 binary channels: a full panel, a lab alone, an event alone, and one odd row.
    const rows = [...Array(10).fill([1, 1, 0]), ...Array(5).fill([1, 0, 0]), ...Array(4).fill([0, 0, 1]), [1, 1, 1]];
    const values = Float32Array.from(rows.flat());
    const p = fitPatterns(values, 3, rows.length, [0, 1, 2], () => true)!;
    expect(p.counts).toEqual([10, 5, 4]);
    expect(patternOf(p, Float32Array.of(1, 1, 1), 0)).toBe(0);
    expect(patternOf(p, Float32Array.of(0, 0, 1), 0)).toBe(2);
    expect(fitPatterns(Float32Array.from(Array(10).fill([1, 0]).flat()), 2, 10, [0, 1], () => true)).toBeNull();
  });
});

/** A part of one binned real channel (offset 0) and nothing else. */
function oneBinnedChannel(values: number[]): PartSpec {
  const bins = fitBins(values, 8);
  return {
    width: 1,
    groups: [{ offset: 0, width: 1, kind: 'real', maskOffset: null, headOffset: 0, bins, joint: false, repeat: false }],
    headWidth: bins.lo.length,
    select: new Float32Array(bins.lo.length),
    patterns: null,
    pair: null,
  };
}

describe('binned heads', () => {
  it('learn a bimodal, scheduled distribution that one Gaussian cannot', () => {
    const values = [...Array(40).fill(0), ...days(80, 3)];
    const part = oneBinnedChannel(values);
    const logits = tf.variable(tf.zeros([1, part.headWidth]));
    const target = Float32Array.from(values);
    const lw = lossWeights(part, target, values.length);
    const opt = tf.train.adam(0.1);
    for (let i = 0; i < 200; i++) {
      opt.minimize(() => partLoss(part, tf.tile(logits, [values.length, 1]) as tf.Tensor2D, tf.tensor2d(target, [values.length, 1]), lw));
    }
    disposeWeights(lw);
    const head = Float32Array.from(Array.from({ length: 3000 }, () => [...(logits.dataSync() as Float32Array)]).flat());
    const drawn = sampleOutputs(part, head, 3000, new Rng(9));
    // A third are exactly 0 (the point mass), the rest spread like the training values.
    const zeros = drawn.filter((v) => v === 0).length / drawn.length;
    expect(zeros).toBeGreaterThan(0.28);
    expect(zeros).toBeLessThan(0.39);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(median([...drawn].filter((v) => v > 0)) / median(values.filter((v) => v > 0))).toBeCloseTo(1, 0);
    logits.dispose();
    opt.dispose();
  });

  it('never draw above an upper bound, and draw the lowest value when nothing fits', () => {
    const values = days(200, 4);
    const part = oneBinnedChannel(values);
    // All the weight on the highest bin.
    const head = new Float32Array(part.headWidth * 500);
    for (let r = 0; r < 500; r++) head[r * part.headWidth + part.headWidth - 1] = 20;
    const bound = Math.min(...values) + 50;
    const drawn = sampleOutputs(part, head, 500, new Rng(1), undefined, { offset: 0, max: new Float32Array(500).fill(bound) });
    expect(Math.max(...drawn)).toBeLessThanOrEqual(bound);
    const none = sampleOutputs(part, head, 5, new Rng(1), undefined, { offset: 0, max: new Float32Array(5).fill(-1) });
    expect([...none]).toEqual(Array(5).fill(Math.min(...values)));
  });
});

describe('the output layout of a real cohort', () => {
  it('fits bins, step patterns and the outcome pair for new runs, and keeps the layout of earlier runs without them', () => {
    const { cohort, data } = loadTrainingData(db, 'steno2_death');
    const enc = cohort.encoding;
    const before = channelSpec(enc);
    for (const part of [before.statics, before.step, before.outcome]) {
      expect(part.headWidth).toBe(part.width);
      expect(part.select).toBeNull();
      expect(part.groups.every((g) => g.headOffset === g.offset && g.bins === null && !g.joint)).toBe(true);
    }
    const fitted = channelSpec(enc, { data, bins: 32, stepPatterns: true });
    expect(fitted.step.groups.find((g) => g.offset === enc.gap!.offset)!.bins).not.toBeNull();
    // Every binary channel of a step is in the pattern, and the pattern of most real steps is kept.
    expect(fitted.step.patterns!.offsets.length).toBe(fitted.step.groups.filter((g) => g.kind === 'binary').length);
    expect(fitted.outcome.pair).toMatchObject({ levelOffset: enc.outcome.levelOffset, valueOffset: enc.outcome.tailOffset, levels: enc.outcome.levels.length });
    expect(fitted.clock!.horizon).toBeGreaterThan(0);
    // Fitted from the data alone: the same layout every time (training, resuming and generating agree).
    expect(channelSpec(enc, { data, bins: 32, stepPatterns: true })).toEqual(fitted);
  });

  it('reads follow-up as a share of the window left and turns it back into the same days', () => {
    const { cohort, data } = loadTrainingData(db, 'steno2_death');
    const enc = cohort.encoding;
    const share = followUpShare(data, enc);
    const shares = Array.from({ length: data.n }, (_, p) => share.data.outcomes[p * enc.outcomeWidth + enc.outcome.tailOffset]!);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...shares)).toBe(1);
    // Censored at the close of the study, patients alive at the end run further into the window left than those who die.
    const censored = (p: number) => enc.outcome.levels[0]!.status === 0 && data.outcomes[p * enc.outcomeWidth + enc.outcome.levelOffset] === 1;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(median(shares.filter((_, p) => censored(p)))).toBeGreaterThan(0.5);
    expect(median(shares.filter((_, p) => !censored(p)))).toBeLessThan(0.2);
    const back = { n: data.n, statics: data.statics, sequences: data.sequences, lengths: data.lengths, outcomes: Float32Array.from(share.data.outcomes) };
    tailsFromShares(back, enc, share.end);
    for (let p = 0; p < data.n; p++) expect(back.outcomes[p * enc.outcomeWidth + enc.outcome.tailOffset]).toBeCloseTo(data.outcomes[p * enc.outcomeWidth + enc.outcome.tailOffset]!, 5);
  });
});

describe('generation with architecture 2', () => {
  const latestTime = () =>
    db
      .prepare(
        `SELECT max(t) FROM (SELECT o.followup_end AS t FROM outcomes o JOIN patients p ON p.id = o.patient_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = 'steno2'
                              UNION ALL SELECT m.time FROM measurements m JOIN patients p ON p.id = m.patient_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = 'steno2')`,
      )
      .pluck()
      .get() as number;

  it('writes nothing after the latest time in the data, and an outcome event only where the outcome is', async () => {
    expect(defaultConfig('vae', 100)).toMatchObject({ architecture: 2, bins: 32 });
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 3, config: { hidden: 12, steps: 60, batchSize: 32 } });
    const result = await generateSyntheticSet(db, { runId: run.runId, patients: 150 });
    const id = db.prepare('SELECT id FROM datasets WHERE name = ?').pluck().get(result.dataset) as number;
    const rows = db
      .prepare(
        `SELECT p.id, o.followup_end AS end, o.event_time AS eventTime,
                (SELECT max(time) FROM measurements m WHERE m.patient_id = p.id) AS lastVisit,
                (SELECT count(*) FROM events e WHERE e.patient_id = p.id AND e.type = 'death') AS deaths,
                (SELECT max(time) FROM events e WHERE e.patient_id = p.id AND e.type = 'death') AS deathTime
           FROM patients p JOIN outcomes o ON o.patient_id = p.id WHERE p.dataset_id = ?`,
      )
      .all(id) as { end: number; eventTime: number | null; lastVisit: number | null; deaths: number; deathTime: number | null }[];
    const latest = latestTime();
    for (const r of rows) {
      expect(r.end).toBeLessThanOrEqual(latest + 1);
      if (r.lastVisit !== null) expect(r.lastVisit).toBeLessThanOrEqual(latest + 1);
      // A death inside the timeline is the outcome, at the end; a death counted after the end of
      // follow-up (as the cohort's "exit" rule counts Steno-2's) has none inside, as in the real data.
      expect(r.deaths).toBeLessThanOrEqual(1);
      if (r.deaths) expect([r.deathTime, r.eventTime]).toEqual([r.end, r.end]);
    }
  });

  it('still generates from runs trained before it (their layout and sampling as they were)', async () => {
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 4, config: { hidden: 12, steps: 30, batchSize: 32, architecture: undefined, bins: undefined } });
    const config = JSON.parse(db.prepare('SELECT config_json FROM training_runs WHERE id = ?').pluck().get(run.runId) as string);
    expect(config.architecture).toBeUndefined();
    const result = await generateSyntheticSet(db, { runId: run.runId, patients: 40 });
    expect(result.patients).toBe(40);
  });
});

describe('decoding point masses', () => {
  it('snaps a value within float32 precision of a common training value onto it, and nothing else', () => {
    const protein = 7;
    const tl = (values: number[]) => ({
      patientId: 1,
      indexTime: 0,
      statics: new Map(),
      measurements: values.map((num, i) => ({ time: i, variableId: protein, num, txt: null })),
      events: [],
      outcome: { days: 10, status: 0 as const, eventType: null },
    });
    // Real protein doses: 0 on the first days of many stays, 1.25 often, 2.7 twice.
    const training = [tl([0, 0, 0.4, 1.25]), tl([0, 1.25, 1.25, 2.7]), tl([0, 2.7, 3.1])];
    const enc = { statics: [], measurements: [{ variableId: protein, kind: 'numeric' }] } as unknown as Parameters<typeof observedRanges>[1];
    const ranges = observedRanges(training, enc);
    expect([...ranges.common.get(protein)!]).toEqual([0, 1.25]);
    // Through a float32 encoding and back, a dose of 0 comes out 1e-8 off.
    const generated = snapToCommon(tl([1.2e-8, 1.2500001, 2.7000001, 0.5]), ranges);
    expect(generated.measurements.map((m) => m.num)).toEqual([0, 1.25, 2.7000001, 0.5]);
  });
});

describe('repeated values', () => {
  it('learn "as at the previous step" for doses that stay the same, and draw it only where there was a value', () => {
    // A channel at offset 0 with its mask at offset 1: half the steps repeat the previous dose exactly.
    const rng = new Rng(6);
    const rows = 400;
    const target = new Float32Array(rows * 2);
    const previous = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const before = Math.round(rng.next() * 100) / 10;
      previous.set([before, 1], r * 2);
      target.set([r % 2 ? before : Math.round(rng.next() * 100) / 10, 1], r * 2);
    }
    const values = Array.from({ length: rows }, (_, r) => target[r * 2]!);
    const bins = fitBins(values, 8);
    const part: PartSpec = {
      width: 2,
      groups: [
        { offset: 0, width: 1, kind: 'real', maskOffset: 1, headOffset: 0, bins, joint: false, repeat: true },
        { offset: 1, width: 1, kind: 'binary', maskOffset: null, headOffset: bins.lo.length + 1, bins: null, joint: false, repeat: false },
      ],
      headWidth: bins.lo.length + 2,
      select: null,
      patterns: null,
      pair: null,
    };
    part.select = new Float32Array(part.headWidth * 2);
    part.select[(bins.lo.length + 1) * 2 + 1] = 1;
    const lw = lossWeights(part, target, rows, undefined, previous);
    const oneHot = lw.binned[0]!.arraySync() as number[][];
    expect(oneHot.filter((row) => row[bins.lo.length] === 1).length).toBeGreaterThanOrEqual(rows / 2);
    disposeWeights(lw);
    // All the weight on "as before": the previous value where there is one, a bin where there is none.
    const head = new Float32Array(part.headWidth * 4);
    for (let r = 0; r < 4; r++) {
      head[r * part.headWidth + bins.lo.length] = 30;
      head[r * part.headWidth + bins.lo.length + 1] = 30;
    }
    const before = Float32Array.of(4.2, 1, 7.5, 1, 33, 0, 99, 0);
    const drawn = sampleOutputs(part, head, 4, new Rng(2), undefined, undefined, before);
    expect([drawn[0], drawn[2]]).toEqual([Math.fround(4.2), 7.5]);
    for (const r of [2, 3]) expect(drawn[r * 2]).not.toBe(before[r * 2]);
  });
});

describe('the latent distribution generation draws from', () => {
  it('matches the mean and covariance of the training posteriors (one Gaussian for the cohort)', () => {
    // Posterior means from a known correlated Gaussian: mean (1, -2), sd (2, 0.5), correlation 0.8.
    const rng = new Rng(8);
    const n = 4000;
    const mu = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const a = rng.normal();
      const b = 0.8 * a + 0.6 * rng.normal();
      mu.set([1 + 2 * a, -2 + 0.5 * b], i * 2);
    }
    const g = aggregatePosterior(mu, n, 2, Float64Array.of(0.25, 0.01));
    expect([...g.mean].map((x) => +x.toFixed(1))).toEqual([1, -2]);
    const z = drawLatent(g, new Rng(9).normals(n * 2), n, 2);
    const col = (k: number) => Array.from({ length: n }, (_, i) => z[i * 2 + k]!);
    const sdOf = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - xs.reduce((a, b) => a + b, 0) / xs.length) ** 2, 0) / xs.length);
    // Variances add the average posterior variance: 4 + 0.25 and 0.25 + 0.01.
    expect(sdOf(col(0))).toBeCloseTo(Math.sqrt(4.25), 1);
    expect(sdOf(col(1))).toBeCloseTo(Math.sqrt(0.26), 1);
    expect(cholesky(Float64Array.of(4, 0, 2, 2), 2)).toEqual(Float64Array.of(2, 0, 1, 1));
  });
});

describe('heads autoregressive within a row', () => {
  it('keep two channels that move together together, which independent draws lose', () => {
    // The same dose in two channels (calories and protein given together): b = a.
    const rng = new Rng(12);
    const rows = 300;
    const target = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const dose = Math.round(rng.next() * 1000) / 100;
      target.set([dose, dose], r * 2);
    }
    const bins = fitBins(Array.from({ length: rows }, (_, r) => target[r * 2]!), 16);
    const nb = bins.lo.length;
    const part: PartSpec = {
      width: 2,
      groups: [0, 1].map((c) => ({ offset: c, width: 1, kind: 'real' as const, maskOffset: null, headOffset: c * nb, bins, joint: false, repeat: false })),
      headWidth: 2 * nb,
      select: new Float32Array(4 * nb),
      patterns: null,
      pair: null,
    };
    const p = new Params(new Rng(1));
    const w = within(p, 'within', part);
    const logits = tf.variable(tf.zeros([1, part.headWidth]));
    const lw = lossWeights(part, target, rows);
    const opt = tf.train.adam(0.1);
    const x = tf.tensor2d(target, [rows, 2]);
    for (let i = 0; i < 150; i++) opt.minimize(() => partLoss(part, withinLogits(w, tf.tile(logits, [rows, 1]) as tf.Tensor2D, x), x, lw), false, [logits, w.weights]);
    disposeWeights(lw);
    const head = Float32Array.from(Array.from({ length: 2000 }, () => [...(logits.dataSync() as Float32Array)]).flat());
    const corr = (drawn: Float32Array) => pearson(Array.from({ length: 2000 }, (_, r) => drawn[r * 2]!), Array.from({ length: 2000 }, (_, r) => drawn[r * 2 + 1]!));
    // Both inside 16 bins, each drawn uniformly in its bin: far from independent, short of 1.
    expect(corr(sampleOutputs(part, head, 2000, new Rng(3), undefined, undefined, undefined, withinWeights(w)))).toBeGreaterThan(0.75);
    expect(Math.abs(corr(sampleOutputs(part, head, 2000, new Rng(3))))).toBeLessThan(0.15);
    for (const t of [logits, x]) t.dispose();
    p.dispose();
    opt.dispose();
  });

  it('draw a step as its pattern, then each value after what it may read; no output reads its own channel', () => {
    const { cohort, data } = loadTrainingData(db, 'steno2_death');
    const spec = channelSpec(cohort.encoding, { data, bins: 32, stepPatterns: true });
    for (const part of [spec.step, spec.statics]) {
      const mask = withinOrder(part);
      const reads = (channel: number, column: number) => mask[channel * part.headWidth + column] === 1;
      for (const g of part.groups.filter((x) => !x.joint)) {
        const columns = Array.from({ length: g.bins ? g.bins.lo.length + (g.repeat ? 1 : 0) : g.width }, (_, k) => g.headOffset + k);
        for (const c of columns) {
          expect(reads(g.offset, c)).toBe(false);
          if (g.maskOffset !== null) expect(reads(g.maskOffset, c)).toBe(true);
        }
      }
      if (part.patterns) for (let c = 0; c < part.width; c++) expect(reads(c, part.patterns.headOffset)).toBe(false);
    }
  });
});
