import * as tf from '@tensorflow/tfjs-core';
import type { TrainingData } from './minibatch.js';
import type { Encoding } from '../sequence/encoding.js';
import { fitClock, type Clock } from './clock.js';
import { logisticLoss, softmaxLoss } from './heads.js';
import { recordedRows, sumAll } from './ops.js';
import { recordingPerPatient } from '../privacy/perExample.js';
import { binCount, binOf, fitBins, valueIn, type OutputBins } from './outputBins.js';
import type { Rng } from '../common/rng.js';
import { fitPatterns, patternCount, patternOf, writePattern, type StepPatterns } from './stepPatterns.js';

/*
 * What each channel of an encoded part is, for the output heads: real values
 * (squared error or Gaussian likelihood, or, binned, a softmax over bins fitted
 * to the training values), binary (logistic), or one-hot groups (softmax). A
 * value channel counts only where its observed-mask channel is 1.
 */

export interface Group {
  offset: number;
  width: number;
  kind: 'real' | 'binary' | 'categorical';
  /** Channel holding this value's observed mask, if any. */
  maskOffset: number | null;
  /** Where the group's outputs start in the head's output (its logits). */
  headOffset: number;
  /** A real channel read as a choice among bins (see outputBins), or null. */
  bins: OutputBins | null;
  /** Drawn jointly with other channels (a step's binary pattern, or the outcome's status and time), with no output of its own. */
  joint: boolean;
  /**
   * A binned measurement that may also be "as at the previous step" (one more
   * class after its bins): doses and carried-forward values repeat exactly from
   * one day to the next, which independent draws inside a bin never do.
   */
  repeat: boolean;
}

export interface PartSpec {
  width: number;
  groups: Group[];
  /** Width of the head's output: the part's width, plus one logit per bin less one per binned channel. */
  headWidth: number;
  /** [headWidth, width]: picks the head outputs of unbinned channels into their data columns; null when the two coincide. */
  select: Float32Array | null;
  /** The joint pattern of the binary channels, with where its logits start in the head, or null. */
  patterns: (StepPatterns & { headOffset: number }) | null;
  /**
   * A categorical channel and a binned one drawn as one choice among every
   * (level, bin): the outcome's status and time, which are one event, not two.
   */
  pair: OutcomePair | null;
}

export interface OutcomePair {
  levelOffset: number;
  levels: number;
  valueOffset: number;
  bins: OutputBins;
  headOffset: number;
}

export interface ChannelSpec {
  statics: PartSpec;
  step: PartSpec;
  outcome: PartSpec;
  maxLength: number;
  /** Elapsed time in the window, read from the gap channel (fitted specs of irregular encodings), or null. */
  clock: Clock | null;
}

type GroupShape = Omit<Group, 'headOffset' | 'bins' | 'joint' | 'repeat'>;

/** Output heads fitted to the training data (see channelSpec). */
export interface OutputFit {
  data: TrainingData;
  /** Bins per real channel. */
  bins: number;
  /** Draw a step's binary channels (masks and events) as one pattern. */
  stepPatterns: boolean;
}

/** Output heads made without reading patients (a private run's: privacy/facts/privateEncoding.ts): bins per real channel by part and offset, and the clock. */
export interface PrivateFit {
  heads: { statics: Map<number, OutputBins>; step: Map<number, OutputBins>; outcome: Map<number, OutputBins>; clock: Clock | null };
}

/**
 * The output layout of an encoding. With `fitted`, every real channel of width 1
 * becomes a choice among up to `bins` bins fitted to its observed training values,
 * and a step's binary channels one choice among the patterns seen in training
 * (pure functions of the data, so training, resuming and generating agree);
 * without, real channels are single outputs and binary ones independent (the
 * layout of earlier runs).
 */
export function channelSpec(enc: Encoding, fitted?: OutputFit | PrivateFit): ChannelSpec {
  if (fitted && 'heads' in fitted) return privateSpec(enc, fitted.heads);
  const { statics, step, outcome } = groupShapes(enc);
  const d = fitted?.data;
  const rowsOf = (values: Float32Array, width: number, rows: number, keep?: (row: number) => boolean) => (g: GroupShape) => {
    const xs: number[] = [];
    for (let r = 0; r < rows; r++) {
      if (keep && !keep(r)) continue;
      if (g.maskOffset === null || values[r * width + g.maskOffset] === 1) xs.push(values[r * width + g.offset]!);
    }
    return xs;
  };
  const fit = (values: ((g: GroupShape) => number[]) | undefined) => (values && fitted ? (g: GroupShape) => fitBins(values(g), fitted.bins) : undefined);
  const validStep = d ? (r: number) => r % d.steps < d.lengths[Math.floor(r / d.steps)]! : () => false;
  const binaries = step.filter((g) => g.kind === 'binary').map((g) => g.offset);
  const patterns = d && fitted?.stepPatterns && binaries.length > 1 ? fitPatterns(d.sequences, d.stepWidth, d.n * d.steps, binaries, validStep) : null;
  return {
    statics: layout(enc.staticWidth, statics, fit(d && rowsOf(d.statics, d.staticWidth, d.n))),
    step: layout(enc.stepWidth, step, fit(d && rowsOf(d.sequences, d.stepWidth, d.n * d.steps, validStep)), patterns, undefined, (g) => g.maskOffset !== null),
    outcome: layout(enc.outcomeWidth, outcome, fit(d && rowsOf(d.outcomes, d.outcomeWidth, d.n)), null, outcomePairOf(enc)),
    maxLength: enc.maxLength,
    clock: d ? fitClock(enc, d) : null,
  };
}

/** Each part's channel groups, in layout order. */
function groupShapes(enc: Encoding): { statics: GroupShape[]; step: GroupShape[]; outcome: GroupShape[] } {
  const statics: GroupShape[] = [];
  for (const f of enc.statics) {
    const kind = f.codec.type === 'numeric' ? 'real' : f.codec.type === 'binary' ? 'binary' : 'categorical';
    statics.push({ offset: f.offset, width: f.codec.type === 'onehot' ? f.codec.levels.length : 1, kind, maskOffset: f.maskOffset });
    if (f.maskOffset !== null) statics.push({ offset: f.maskOffset, width: 1, kind: 'binary', maskOffset: null });
  }
  const step: GroupShape[] = [];
  if (enc.gap) step.push({ offset: enc.gap.offset, width: 1, kind: 'real', maskOffset: null });
  for (const f of enc.measurements) {
    const kind = f.codec.type === 'numeric' ? 'real' : f.codec.type === 'binary' ? 'binary' : 'categorical';
    step.push({ offset: f.offset, width: f.codec.type === 'onehot' ? f.codec.levels.length : 1, kind, maskOffset: f.maskOffset });
    step.push({ offset: f.maskOffset, width: 1, kind: 'binary', maskOffset: null });
    if (f.sinceOffset !== null) step.push({ offset: f.sinceOffset, width: 1, kind: 'real', maskOffset: null });
  }
  // Events: whether one happened at the step (two of a type at one time are rare enough to read as one).
  for (const e of enc.events) step.push({ offset: e.offset, width: 1, kind: 'binary', maskOffset: null });
  const outcome: GroupShape[] = [
    { offset: enc.outcome.tailOffset, width: 1, kind: 'real', maskOffset: null },
    { offset: enc.outcome.levelOffset, width: enc.outcome.levels.length, kind: 'categorical', maskOffset: null },
  ];
  return { statics, step, outcome };
}

const outcomePairOf = (enc: Encoding) => ({ levelOffset: enc.outcome.levelOffset, valueOffset: enc.outcome.tailOffset });

/** A private run's layout: the same groups, binned by the heads it was given; no step patterns (which patterns real steps have is not released). */
function privateSpec(enc: Encoding, heads: PrivateFit['heads']): ChannelSpec {
  const { statics, step, outcome } = groupShapes(enc);
  const from = (bins: Map<number, OutputBins>) => (g: GroupShape) => {
    const b = bins.get(g.offset);
    if (!b) throw new Error(`No private bins for the real channel at ${g.offset}.`);
    return b;
  };
  return {
    statics: layout(enc.staticWidth, statics, from(heads.statics)),
    step: layout(enc.stepWidth, step, from(heads.step), null, undefined, (g) => g.maskOffset !== null),
    outcome: layout(enc.outcomeWidth, outcome, from(heads.outcome), null, outcomePairOf(enc)),
    maxLength: enc.maxLength,
    clock: heads.clock,
  };
}

/**
 * Places each group's outputs in the head: binning real channels of width 1 when
 * `fit` is given; then, at the end, the binary channels `patterns` covers as one
 * softmax, and the categorical and binned channels of `pair` as another.
 */
function layout(
  width: number,
  shapes: GroupShape[],
  fit?: (g: GroupShape) => OutputBins,
  patterns?: StepPatterns | null,
  pair?: { levelOffset: number; valueOffset: number },
  repeatable?: (g: GroupShape) => boolean,
): PartSpec {
  let headWidth = 0;
  const inPattern = new Set(patterns?.offsets ?? []);
  const paired = (g: GroupShape) => fit !== undefined && pair !== undefined && (g.offset === pair.levelOffset || g.offset === pair.valueOffset);
  const groups: Group[] = shapes.map((g) => {
    const bins = fit && g.kind === 'real' && g.width === 1 ? fit(g) : null;
    const joint = (g.kind === 'binary' && inPattern.has(g.offset)) || paired(g);
    const repeat = bins !== null && !joint && (repeatable?.(g) ?? false);
    const group = { ...g, headOffset: fit ? headWidth : g.offset, bins, joint, repeat };
    headWidth += joint ? 0 : bins ? binCount(bins) + (repeat ? 1 : 0) : g.width;
    return group;
  });
  if (!fit) return { width, groups, headWidth: width, select: null, patterns: null, pair: null };
  const joint = patterns ? { ...patterns, headOffset: headWidth } : null;
  if (patterns) headWidth += patternCount(patterns);
  let outcomePair: OutcomePair | null = null;
  const level = groups.find((g) => pair && g.offset === pair.levelOffset);
  const value = groups.find((g) => pair && g.offset === pair.valueOffset);
  if (level && value?.bins) {
    outcomePair = { levelOffset: level.offset, levels: level.width, valueOffset: value.offset, bins: value.bins, headOffset: headWidth };
    headWidth += level.width * binCount(value.bins);
  }
  const select = new Float32Array(headWidth * width);
  for (const g of groups) if (!g.bins && !g.joint) for (let k = 0; k < g.width; k++) select[(g.headOffset + k) * width + g.offset + k] = 1;
  return { width, groups, headWidth, select, patterns: joint, pair: outcomePair };
}

/** Per-row, per-channel weights of a batch's targets: which entries count in the loss. */
export interface LossWeights {
  real: tf.Tensor2D;
  binary: tf.Tensor2D;
  /** One [N,1] weight per categorical group, in group order. */
  categorical: tf.Tensor2D[];
  /** One [N, bins] weighted one-hot of the target's bin per binned group, in group order. */
  binned: tf.Tensor2D[];
  /** [N, patterns] weighted one-hot of each row's pattern, when the part has patterns. */
  pattern: tf.Tensor2D | null;
  /** [N, levels x bins] weighted one-hot of each row's (level, bin), when the part has a pair. */
  pair: tf.Tensor2D | null;
  realTotal: number;
  binaryTotal: number;
  categoricalTotals: number[];
  binnedTotals: number[];
  patternTotal: number;
  pairTotal: number;
}

/** Output width of a binned group: its bins, and "as before" when it may repeat. */
const binnedWidth = (g: Group) => binCount(g.bins!) + (g.repeat ? 1 : 0);

/**
 * Weights for `rows` x part.width targets; `rowWeight` (e.g. step within length)
 * per row, default 1; `previous`, the rows one step earlier, for the "as before" class.
 * With `owners` (the patient of each row), each term is each patient's own mean, summed
 * over the patients: the loss a batch of that patient alone has, for every patient at once.
 */
export function lossWeights(part: PartSpec, target: Float32Array, rows: number, rowWeight?: Float32Array, previous?: Float32Array, owners?: { of: Int32Array; patients: number }): LossWeights {
  const w = part.width;
  const real = new Float32Array(rows * w);
  const binary = new Float32Array(rows * w);
  const cats = part.groups.filter((g) => g.kind === 'categorical' && !g.joint);
  const catW = cats.map(() => new Float32Array(rows));
  let realTotal = 0;
  let binaryTotal = 0;
  const catTotals = cats.map(() => 0);
  const binnedGroups = part.groups.filter((g) => g.bins && !g.joint);
  const binW = binnedGroups.map((g) => new Float32Array(rows * binnedWidth(g)));
  const binTotals = binnedGroups.map(() => 0);
  const P = part.patterns ? patternCount(part.patterns) : 0;
  const patternW = new Float32Array(rows * P);
  let patternTotal = 0;
  const pair = part.pair;
  const pairWidth = pair ? pair.levels * binCount(pair.bins) : 0;
  const pairW = new Float32Array(rows * pairWidth);
  let pairTotal = 0;
  for (let n = 0; n < rows; n++) {
    const rw = rowWeight ? rowWeight[n]! : 1;
    if (rw === 0) continue;
    if (pair) {
      let level = 0;
      for (let k = 1; k < pair.levels; k++) if (target[n * w + pair.levelOffset + k]! > target[n * w + pair.levelOffset + level]!) level = k;
      pairW[n * pairWidth + level * binCount(pair.bins) + binOf(pair.bins, target[n * w + pair.valueOffset]!)] = rw;
      pairTotal += rw;
    }
    if (part.patterns) {
      patternW[n * P + patternOf(part.patterns, target, n * w)] = rw;
      patternTotal += rw;
    }
    let ci = 0;
    let bi = 0;
    for (const g of part.groups) {
      const m = g.maskOffset === null ? 1 : target[n * w + g.maskOffset]!;
      const weight = rw * m;
      if (g.joint) continue;
      if (g.bins) {
        const value = target[n * w + g.offset]!;
        const same = g.repeat && previous !== undefined && previous[n * w + g.maskOffset!] === 1 && previous[n * w + g.offset] === value;
        if (weight > 0) binW[bi]![n * binnedWidth(g) + (same ? binCount(g.bins) : binOf(g.bins, value))] = weight;
        binTotals[bi]! += weight;
        bi++;
      } else if (g.kind === 'categorical') {
        catW[ci]![n] = weight;
        catTotals[ci]! += weight;
        ci++;
      } else {
        const arr = g.kind === 'real' ? real : binary;
        for (let k = 0; k < g.width; k++) arr[n * w + g.offset + k] = weight;
        if (g.kind === 'real') realTotal += weight * g.width;
        else binaryTotal += weight * g.width;
      }
    }
  }
  if (owners) {
    const perPatient = (a: Float32Array) => ownMeans(a, rows, owners.of, owners.patients);
    realTotal = perPatient(real);
    binaryTotal = perPatient(binary);
    catTotals.forEach((_, i) => (catTotals[i] = perPatient(catW[i]!)));
    binTotals.forEach((_, i) => (binTotals[i] = perPatient(binW[i]!)));
    patternTotal = perPatient(patternW);
    pairTotal = perPatient(pairW);
  }
  return {
    real: tf.tensor2d(real, [rows, w]),
    binary: tf.tensor2d(binary, [rows, w]),
    categorical: catW.map((c) => tf.tensor2d(c, [rows, 1])),
    binned: binW.map((b, i) => tf.tensor2d(b, [rows, binnedWidth(binnedGroups[i]!)])),
    pattern: P ? tf.tensor2d(patternW, [rows, P]) : null,
    pair: pair ? tf.tensor2d(pairW, [rows, pairWidth]) : null,
    realTotal,
    binaryTotal,
    categoricalTotals: catTotals,
    binnedTotals: binTotals,
    patternTotal,
    pairTotal,
  };
}

/**
 * Divides a term's weights ([rows, k]) by the total of their patient's rows, in place, so that the
 * weighted sum is the sum of each patient's weighted mean; returns the term's total then (1 where
 * some patient has a weight, else 0: the term counts, or not, as a total above 0 does).
 */
function ownMeans(weights: Float32Array, rows: number, owner: Int32Array, patients: number): number {
  const k = rows ? weights.length / rows : 0;
  const totals = new Float64Array(patients);
  for (let n = 0; n < rows; n++) for (let j = 0; j < k; j++) totals[owner[n]!]! += weights[n * k + j]!;
  for (let n = 0; n < rows; n++) {
    const total = totals[owner[n]!]!;
    for (let j = 0; j < k; j++) weights[n * k + j] = total > 0 ? weights[n * k + j]! / total : 0;
  }
  return totals.some((t) => t > 0) ? 1 : 0;
}

export function disposeWeights(lw: LossWeights): void {
  lw.real.dispose();
  lw.binary.dispose();
  for (const c of lw.categorical) c.dispose();
  for (const b of lw.binned) b.dispose();
  lw.pattern?.dispose();
  lw.pair?.dispose();
}

/**
 * Reconstruction loss of raw head outputs (`head`: real values as they are,
 * logits for binary, categorical and bins) against targets: mean squared error +
 * binary cross-entropy + categorical cross-entropy (of a category, or of a bin),
 * each averaged over what counts.
 */
export function partLoss(part: PartSpec, head: tf.Tensor2D, target: tf.Tensor2D, lw: LossWeights, logVar?: tf.Tensor1D): tf.Scalar {
  const terms: tf.Scalar[] = [];
  // The unbinned outputs in their data columns (a matrix product: differentiable on every backend).
  const logits = part.select ? tf.matMul(head, tf.tensor2d(part.select, [part.headWidth, part.width])) : head;
  if (lw.realTotal > 0) {
    const squared = tf.square(tf.sub(logits, target));
    // With a learned log-variance per channel, the Gaussian negative log-likelihood (up to a constant).
    const lv = logVar && recordingPerPatient() ? recordedRows(logVar as tf.Variable, head.shape[0]) : logVar;
    const nll = lv ? tf.mul(0.5, tf.add(tf.mul(squared, tf.exp(tf.neg(lv))), lv)) : squared;
    terms.push(tf.div(tf.sum(tf.mul(lw.real, nll)), lw.realTotal));
  }
  if (lw.binaryTotal > 0) {
    terms.push(tf.div(tf.sum(tf.mul(lw.binary, logisticLoss(logits, target))), lw.binaryTotal));
  }
  let ci = 0;
  for (const g of part.groups) {
    if (g.kind !== 'categorical' || g.joint) continue;
    const total = lw.categoricalTotals[ci]!;
    const weight = lw.categorical[ci++]!;
    if (total === 0 || g.width < 2) continue;
    const logp = tf.logSoftmax(tf.slice(logits, [0, g.offset], [-1, g.width]));
    const ce = tf.neg(tf.sum(tf.mul(logp, tf.slice(target, [0, g.offset], [-1, g.width])), 1, true));
    terms.push(tf.div(tf.sum(tf.mul(weight, ce)), total));
  }
  let bi = 0;
  for (const g of part.groups) {
    if (!g.bins || g.joint) continue;
    const total = lw.binnedTotals[bi]!;
    const weighted = lw.binned[bi++]!;
    if (total === 0) continue;
    terms.push(softmaxLoss(tf.slice(head, [0, g.headOffset], [-1, binnedWidth(g)]), weighted, total));
  }
  if (part.patterns && lw.pattern && lw.patternTotal > 0) {
    terms.push(softmaxLoss(tf.slice(head, [0, part.patterns.headOffset], [-1, patternCount(part.patterns)]), lw.pattern, lw.patternTotal));
  }
  if (part.pair && lw.pair && lw.pairTotal > 0) {
    terms.push(softmaxLoss(tf.slice(head, [0, part.pair.headOffset], [-1, part.pair.levels * binCount(part.pair.bins)]), lw.pair, lw.pairTotal));
  }
  return sumAll(terms);
}

/** Draws an index from `width` logits starting at `from` (a softmax sample), among those `allowed` admits. */
function drawSoftmax(logits: Float32Array, from: number, width: number, rng: Rng, allowed?: (k: number) => boolean): number {
  let max = -Infinity;
  for (let k = 0; k < width; k++) if (!allowed || allowed(k)) max = Math.max(max, logits[from + k]!);
  let total = 0;
  const p = new Float64Array(width);
  for (let k = 0; k < width; k++) total += p[k] = !allowed || allowed(k) ? Math.exp(logits[from + k]! - max) : 0;
  let u = rng.next() * total;
  for (let k = 0; k < width; k++) {
    u -= p[k]!;
    if (u <= 0 && p[k]! > 0) return k;
  }
  for (let k = width - 1; k > 0; k--) if (p[k]! > 0) return k;
  return 0;
}

/** A bin, or "as before" (the previous step's value, where there is one), then a value in the bin. */
function drawRepeatable(g: Group, head: Float32Array, from: number, rng: Rng, before: number | undefined): number {
  const nb = binCount(g.bins!);
  const k = drawSoftmax(head, from, nb + 1, rng, (i) => i < nb || before !== undefined);
  const u = rng.next();
  return k === nb ? before! : valueIn(g.bins!, k, u);
}

/** A bin of a binned channel, then a value in it; with `upper`, among the bins that start at or below it, and no higher than it (the lowest value when none does). */
function drawBinned(bins: OutputBins, head: Float32Array, from: number, rng: Rng, upper?: number): number {
  if (upper === undefined) return valueIn(bins, drawSoftmax(head, from, binCount(bins), rng), rng.next());
  const k = upper < bins.lo[0]! ? 0 : drawSoftmax(head, from, binCount(bins), rng, (i) => bins.lo[i]! <= upper);
  const lo = bins.lo[k]!;
  return lo + rng.next() * Math.max(0, Math.min(bins.hi[k]!, upper) - lo);
}

/**
 * Turns raw head outputs (`head`: rows x part.headWidth) into values the decoder
 * reads (rows x part.width): probabilities sampled to 0/1 and one-hots; binned
 * real values as a bin drawn from its softmax, then a value inside it (one
 * channel kept at most `upper.max` per row, when given), or, where the channel
 * may repeat, the value of that row in `previous`; with `within` (see
 * withinOrder), one group at a time, each seeing those drawn before it; other
 * real values drawn around their mean with the learned standard deviation per
 * channel when there is one (`sd`), else the mean.
 */
/** Row n's draw of one group from its logits at `h`, written into `out` at `row` (see sampleOutputs). */
function drawGroup(g: Group, logits: Float32Array, h: number, out: Float32Array, row: number, n: number, rng: Rng, sd?: Float32Array, upper?: { offset: number; max: Float32Array }, previous?: Float32Array): void {
  if (g.repeat) out[row + g.offset] = drawRepeatable(g, logits, h, rng, previous && previous[row + g.maskOffset!] === 1 ? previous[row + g.offset] : undefined);
  else if (g.bins) out[row + g.offset] = drawBinned(g.bins, logits, h, rng, upper?.offset === g.offset ? upper.max[n] : undefined);
  else if (g.kind === 'real') for (let k = 0; k < g.width; k++) out[row + g.offset + k] = logits[h + k]! + (sd ? sd[g.offset + k]! * rng.normal() : 0);
  else if (g.kind === 'binary') out[row + g.offset] = rng.next() < 1 / (1 + Math.exp(-logits[h]!)) ? 1 : 0;
  else out[row + g.offset + drawSoftmax(logits, h, g.width, rng)] = 1;
}

/** A row's draw of the pair (status and time) from its logits starting at `at`. */
function drawPair(pair: OutcomePair, logits: Float32Array, at: number, out: Float32Array, row: number, rng: Rng): void {
  const nb = binCount(pair.bins);
  const k = drawSoftmax(logits, at + pair.headOffset, pair.levels * nb, rng);
  out[row + pair.levelOffset + Math.floor(k / nb)] = 1;
  out[row + pair.valueOffset] = valueIn(pair.bins, k % nb, rng.next());
}

/**
 * [width, headWidth]: which data channels each output reads when a row is drawn
 * one group at a time (architecture 2): the step's pattern first, then the
 * observed masks, then the other groups in order, then the pair, each seeing
 * every channel drawn before it.
 * Multiplied into a learnt matrix, it makes the head autoregressive within a row
 * (as MADE; Germain et al. 2015): calories and protein given on the same day
 * move together, which draws independent given the state never do.
 */
export function withinOrder(part: PartSpec): Float32Array {
  const H = part.headWidth;
  const mask = new Float32Array(part.width * H);
  const seen: number[] = [];
  const open = (from: number, width: number) => {
    for (const c of seen) for (let k = 0; k < width; k++) mask[c * H + from + k] = 1;
  };
  if (part.patterns) seen.push(...part.patterns.offsets);
  for (const g of drawOrder(part)) {
    open(g.headOffset, g.bins ? binnedWidth(g) : g.width);
    for (let k = 0; k < g.width; k++) seen.push(g.offset + k);
  }
  if (part.pair) open(part.pair.headOffset, part.pair.levels * binCount(part.pair.bins));
  return mask;
}

/** The groups with outputs of their own, observed masks before the values they mask. */
function drawOrder(part: PartSpec): Group[] {
  const masks = new Set(part.groups.map((g) => g.maskOffset));
  const own = part.groups.filter((g) => !g.joint);
  return [...own.filter((g) => masks.has(g.offset)), ...own.filter((g) => !masks.has(g.offset))];
}

/**
 * sampleOutputs, one group at a time in `withinOrder`, each group's logits
 * raised by `within` [width, headWidth] times the channels drawn before it.
 */
function sampleWithin(part: PartSpec, head: Float32Array, rows: number, rng: Rng, within: Float32Array, upper?: { offset: number; max: Float32Array }, previous?: Float32Array): Float32Array {
  const w = part.width;
  const H = part.headWidth;
  const out = new Float32Array(rows * w);
  const logits = new Float32Array(H);
  for (let n = 0; n < rows; n++) {
    const row = n * w;
    logits.set(head.subarray(n * H, (n + 1) * H));
    /** Adds what channels [from, from + width) now hold to every later output. */
    const feed = (from: number, width: number) => {
      for (let c = from; c < from + width; c++) {
        const v = out[row + c]!;
        if (v !== 0) for (let k = 0; k < H; k++) logits[k]! += v * within[c * H + k]!;
      }
    };
    if (part.patterns) {
      writePattern(part.patterns, drawSoftmax(logits, part.patterns.headOffset, patternCount(part.patterns), rng), out, row);
      for (const c of part.patterns.offsets) feed(c, 1);
    }
    for (const g of drawOrder(part)) {
      // A value whose mask came out 0 is not there: it stays 0, as the encoder writes it.
      if (g.maskOffset !== null && out[row + g.maskOffset] === 0) continue;
      drawGroup(g, logits, g.headOffset, out, row, n, rng, undefined, upper, previous);
      feed(g.offset, g.width);
    }
    if (part.pair) drawPair(part.pair, logits, 0, out, row, rng);
  }
  return out;
}

export function sampleOutputs(
  part: PartSpec,
  head: Float32Array,
  rows: number,
  rng: Rng,
  sd?: Float32Array,
  upper?: { offset: number; max: Float32Array },
  previous?: Float32Array,
  within?: Float32Array,
): Float32Array {
  if (within) return sampleWithin(part, head, rows, rng, within, upper, previous);
  const w = part.width;
  const out = new Float32Array(rows * w);
  for (let n = 0; n < rows; n++) {
    const row = n * w;
    const at = n * part.headWidth;
    for (const g of part.groups) {
      if (!g.joint) drawGroup(g, head, at + g.headOffset, out, row, n, rng, sd, upper, previous);
    }
    if (part.patterns) writePattern(part.patterns, drawSoftmax(head, at + part.patterns.headOffset, patternCount(part.patterns), rng), out, row);
    if (part.pair) drawPair(part.pair, head, at, out, row, rng);
    // A value whose mask came out 0 is not there: zero it, as the encoder does.
    for (const g of part.groups) {
      if (g.maskOffset !== null && out[row + g.maskOffset] === 0) for (let k = 0; k < g.width; k++) out[row + g.offset + k] = 0;
    }
  }
  return out;
}
