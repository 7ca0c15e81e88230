import * as tf from '@tensorflow/tfjs-core';
import { batchOf, stepPosition, type MiniBatch, type TrainingData } from './minibatch.js';
import { partLoss, lossWeights, disposeWeights, sampleOutputs, type ChannelSpec } from './channels.js';
import { within, withinLogits, withinWeights } from './within.js';
import { dense, denseParams, mlp, mlpParams } from './dense.js';
import { gruCell, gruParams, project, runGru } from './gru.js';
import type { GeneratedBatch, Model, ModelPhase } from './model.js';
import { readClock, RunningClock } from './clock.js';
import { aggregatePosterior, drawLatent, type LatentGaussian } from './latentPrior.js';
import { adam, optimize } from './optimize.js';
import { readOut, sumAll } from './ops.js';
import { Params } from './params.js';
import type { Rng } from '../common/rng.js';

export interface VaeConfig {
  family: 'vae';
  hidden: number;
  latent: number;
  /** Weight of the KL term. */
  beta: number;
  learningRate: number;
  batchSize: number;
  steps: number;
  /**
   * 2: real outputs binned (`bins` per channel, see outputBins), a step's binary
   * channels drawn as one pattern (stepPatterns), the decoder told how many steps
   * are left and the outcome reading the last step. Absent in runs from before:
   * those load and generate as they were trained.
   */
  architecture?: 2;
  bins?: number;
}

/**
 * A sequential VAE: a GRU encoder reads the visits (with the statics) into a
 * latent patient; from it the decoder generates the statics once, the number
 * of steps, the steps themselves (a GRU fed its previous step, teacher-forced
 * in training) and, from the state after the last step, the outcome, so that
 * follow-up is tied to the generated timeline.
 */
export function buildVae(config: VaeConfig, spec: ChannelSpec, rng: Rng): Model {
  const C = spec.step.width;
  const S = spec.statics.width;
  const O = spec.outcome.width;
  const T = spec.maxLength;
  const H = config.hidden;
  const Z = config.latent;
  const p = new Params(rng);
  const enc = gruParams(p, 'enc.gru', C + S, H);
  const encHead = mlpParams(p, 'enc.head', [H + S + O + 1, H, 2 * Z]);
  const staticHead = mlpParams(p, 'dec.static', [Z, H, spec.statics.headWidth]);
  const lengthHead = mlpParams(p, 'dec.length', [Z, H, T]);
  const init = denseParams(p, 'dec.init', Z, H);
  // Architecture 2: the decoder reads how many steps are left and how much time (see clock);
  // the outcome head reads the last step and the time left after it (follow-up ends on the calendar).
  const clock = config.architecture === 2 ? spec.clock : null;
  const E = config.architecture === 2 ? 2 + (clock ? 1 : 0) : 0;
  const L = config.architecture === 2 ? C + (clock ? 1 : 0) : 0;
  const dec = gruParams(p, 'dec.gru', C + S + Z + E, H);
  const stepHead = denseParams(p, 'dec.step', H, spec.step.headWidth);
  // Architecture 2: heads autoregressive within a step and within the statics (see withinOrder).
  const stepWithin = config.architecture === 2 ? within(p, 'dec.step.within', spec.step) : null;
  const staticWithin = config.architecture === 2 ? within(p, 'dec.static.within', spec.statics) : null;
  const outcomeHead = mlpParams(p, 'dec.outcome', [H + Z + S + L, H, spec.outcome.headWidth]);
  /** The outcome head's input: the state after the last step, the latent, the statics and (architecture 2) the last step and the time left after it. */
  const outcomeInput = (last: tf.Tensor2D, z: tf.Tensor2D, statics: tf.Tensor2D, lastSteps: Float32Array, end: Float32Array | null) =>
    tf.concat(L ? [last, z, statics, tf.tensor2d(lastSteps, [lastSteps.length / C, C]), ...(end ? [tf.tensor2d(end, [end.length, 1])] : [])] : [last, z, statics], 1) as tf.Tensor2D;
  /** [rows, E]: a step's position (share of steps left, last or not) and, with a clock, the share of time left before it. */
  const context = (position: Float32Array, before: Float32Array | null) => {
    const rows = position.length / 2;
    const out = new Float32Array(rows * E);
    for (let r = 0; r < rows; r++) {
      out[r * E] = position[r * 2]!;
      out[r * E + 1] = position[r * 2 + 1]!;
      if (before) out[r * E + 2] = before[r]!;
    }
    return tf.tensor2d(out, [rows, E]);
  };
  // A learned log-variance per real channel: a Gaussian likelihood, sampled at generation, so
  // generated values keep the spread (and tails) of the real ones instead of their conditional mean.
  const stepLogVar = p.bias('dec.step.logvar', C) as tf.Variable<tf.Rank.R1>;
  const staticLogVar = p.bias('dec.static.logvar', S) as tf.Variable<tf.Rank.R1>;
  const outcomeLogVar = p.bias('dec.outcome.logvar', O) as tf.Variable<tf.Rank.R1>;
  const optimizer = adam(config.learningRate);
  const vars = p.of('enc.', 'dec.');

  const tileSteps = (x: tf.Tensor2D) => tf.tile(x, [T, 1]) as tf.Tensor2D;
  /** The encoder: a batch's steps, statics, outcomes and lengths to [B, 2Z] posterior statistics (means, then log-variances). */
  const encode = (x: tf.Tensor2D, keep: tf.Tensor2D, statics: tf.Tensor2D, outcomes: tf.Tensor2D, lengthScalar: tf.Tensor2D) =>
    mlp(encHead, tf.concat([runGru(enc, tf.concat([x, tileSteps(statics)], 1), T, keep, undefined, false).last, statics, outcomes, lengthScalar], 1));

  function trainStep(batch: MiniBatch): Record<string, number> {
    const B = batch.size;
    const eps = rng.normals(B * Z);
    const stepW = lossWeights(spec.step, batch.x, T * B, batch.keep, batch.previous);
    const staticW = lossWeights(spec.statics, batch.statics, B);
    const outcomeW = lossWeights(spec.outcome, batch.outcomes, B);
    try {
      return tf.tidy(() => {
        const x = tf.tensor2d(batch.x, [T * B, C]);
        const previous = tf.tensor2d(batch.previous, [T * B, C]);
        const keep = tf.tensor2d(batch.keep, [T * B, 1]);
        const statics = tf.tensor2d(batch.statics, [B, S]);
        const outcomes = tf.tensor2d(batch.outcomes, [B, O]);
        const lengthTarget = tf.tensor2d(batch.lengthOneHot, [B, T]);
        const lengthScalar = tf.tensor2d(Float32Array.from(batch.lengths, (l) => l / T), [B, 1]);
        const noise = tf.tensor2d(eps, [B, Z]);
        const time = clock ? readClock(clock, batch.x, batch.lengths, T, C, batch.statics, S) : null;
        return optimize(optimizer, vars, () => {
          const stats = encode(x, keep, statics, outcomes, lengthScalar);
          const mu = tf.slice(stats, [0, 0], [-1, Z]);
          const logVar = tf.clipByValue(tf.slice(stats, [0, Z], [-1, Z]), -8, 8);
          const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), noise)) as tf.Tensor2D;
          const h0 = dense(init, z, 'tanh');
          const decoderInput = [previous, tileSteps(statics), tileSteps(z), ...(E ? [context(stepPosition(batch.lengths, T), time?.before ?? null)] : [])];
          const ds = runGru(dec, tf.concat(decoderInput, 1), T, keep, h0);
          const stepLogits = withinLogits(stepWithin, dense(stepHead, ds.all), x);
          const outcomeLogits = mlp(outcomeHead, outcomeInput(ds.last, z, statics, batch.last, time?.end ?? null));
          const step = partLoss(spec.step, stepLogits, x, stepW, stepLogVar);
          const stat = partLoss(spec.statics, withinLogits(staticWithin, mlp(staticHead, z), statics), statics, staticW, staticLogVar);
          const outcome = partLoss(spec.outcome, outcomeLogits, outcomes, outcomeW, outcomeLogVar);
          const length = tf.mean(tf.neg(tf.sum(tf.mul(tf.logSoftmax(mlp(lengthHead, z)), lengthTarget), 1))) as tf.Scalar;
          const kl = tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar)), 1))) as tf.Scalar;
          const total = sumAll([step, stat, outcome, length, tf.mul(kl, config.beta) as tf.Scalar]);
          return { total, parts: { step, statics: stat, outcome, length, kl } };
        });
      });
    } finally {
      disposeWeights(stepW);
      disposeWeights(staticW);
      disposeWeights(outcomeW);
    }
  }

  /** The encoder's posterior (mean and log-variance) of each patient of a batch. */
  function posterior(batch: MiniBatch): { mu: Float32Array; logVar: Float32Array } {
    const B = batch.size;
    const stats = readOut(() =>
      encode(
        tf.tensor2d(batch.x, [T * B, C]),
        tf.tensor2d(batch.keep, [T * B, 1]),
        tf.tensor2d(batch.statics, [B, S]),
        tf.tensor2d(batch.outcomes, [B, O]),
        tf.tensor2d(Float32Array.from(batch.lengths, (l) => l / T), [B, 1]),
      ),
    );
    const mu = new Float32Array(B * Z);
    const logVar = new Float32Array(B * Z);
    for (let b = 0; b < B; b++) {
      mu.set(stats.subarray(b * 2 * Z, b * 2 * Z + Z), b * Z);
      logVar.set(stats.subarray(b * 2 * Z + Z, (b + 1) * 2 * Z), b * Z);
    }
    return { mu, logVar };
  }

  // Architecture 2 draws latent patients from the aggregate posterior of the training split (see latentPrior).
  let latent: LatentGaussian | null = null;
  function fitSampler(data: TrainingData): void {
    if (config.architecture !== 2) return;
    const mu = new Float64Array(data.n * Z);
    const variance = new Float64Array(Z);
    for (let from = 0; from < data.n; from += 256) {
      const ids = Array.from({ length: Math.min(256, data.n - from) }, (_, i) => from + i);
      const post = posterior(batchOf(data, ids));
      mu.set(post.mu, from * Z);
      for (let i = 0; i < post.logVar.length; i++) variance[i % Z]! += Math.exp(Math.min(8, Math.max(-8, post.logVar[i]!))) / data.n;
    }
    latent = aggregatePosterior(mu, data.n, Z, variance);
  }

  function generate(n: number, sampler: Rng): GeneratedBatch {
    const eps = sampler.normals(n * Z);
    const z = tf.tensor2d(latent ? drawLatent(latent, eps, n, Z) : eps, [n, Z]);
    const sd = (lv: tf.Variable) => readOut(() => tf.exp(tf.mul(lv, 0.5)));
    const stepSd = sd(stepLogVar);
    try {
      const statics = sampleOutputs(spec.statics, readOut(() => mlp(staticHead, z)), n, sampler, sd(staticLogVar), undefined, undefined, withinWeights(staticWithin));
      const stepWithinWeights = withinWeights(stepWithin);
      const lengths = sampleLengths(readOut(() => tf.softmax(mlp(lengthHead, z))), n, T, sampler);
      const sequences = new Float32Array(n * T * C);
      const staticT = tf.tensor2d(statics, [n, S]);
      let h = tf.tidy(() => dense(init, z, 'tanh'));
      let prev: Float32Array = new Float32Array(n * C);
      const position = stepPosition(lengths, T);
      const running = clock ? new RunningClock(clock, statics, S, n) : null;
      const shortestGap = clock ? (spec.step.groups.find((g) => g.offset === clock.gapOffset)?.bins?.lo[0] ?? -Infinity) : -Infinity;
      for (let t = 0; t < T; t++) {
        // With a clock, no gap carries a step past the latest time the training data reaches; a
        // timeline with no room left for its next step ends before it.
        const upper = running && clock ? { offset: clock.gapOffset, max: running.longestGaps() } : undefined;
        if (upper && t > 0) for (let b = 0; b < n; b++) if (t < lengths[b]! && upper.max[b]! < shortestGap) lengths[b] = t;
        const keep = Float32Array.from(lengths, (l) => (t < l ? 1 : 0));
        const before = running?.left() ?? null;
        const next = tf.tidy(() => {
          const parts = [tf.tensor2d(prev, [n, C]), staticT, z, ...(E ? [context(position.subarray(t * n * 2, (t + 1) * n * 2), before)] : [])];
          const input = tf.concat(parts, 1) as tf.Tensor2D;
          return gruCell(dec, project(dec, input), h, tf.tensor2d(keep, [n, 1]));
        });
        h.dispose();
        h = next;
        const logits = readOut(() => dense(stepHead, h));
        const sampled = sampleOutputs(spec.step, logits, n, sampler, stepSd, upper, t > 0 ? prev : undefined, stepWithinWeights);
        for (let b = 0; b < n; b++) if (t < lengths[b]!) sequences.set(sampled.subarray(b * C, (b + 1) * C), (b * T + t) * C);
        running?.tick(sampled, C, (b) => t < lengths[b]!);
        prev = sampled;
      }
      const lastSteps = new Float32Array(n * C);
      for (let b = 0; b < n; b++) lastSteps.set(sequences.subarray((b * T + lengths[b]! - 1) * C, (b * T + lengths[b]!) * C), b * C);
      const end = running?.left() ?? null;
      const outcomeLogits = readOut(() => mlp(outcomeHead, outcomeInput(h, z, staticT, lastSteps, end)));
      h.dispose();
      staticT.dispose();
      return { n, statics, sequences, lengths, outcomes: sampleOutputs(spec.outcome, outcomeLogits, n, sampler, sd(outcomeLogVar)) };
    } finally {
      z.dispose();
    }
  }

  const phases: ModelPhase[] = [{ name: 'vae', steps: config.steps, optimizers: ['vae'] }];
  return {
    family: 'vae',
    params: p,
    rng,
    optimizers: { vae: optimizer },
    phases,
    trainStep: (_phase, batch) => trainStep(batch),
    fitSampler,
    generate,
    dispose: () => {
      p.dispose();
      optimizer.dispose();
    },
  };
}

/** Draws each patient's number of steps (1..T) from the length head's probabilities. */
export function sampleLengths(probs: Float32Array, n: number, T: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    let u = rng.next();
    let pick = T - 1;
    for (let t = 0; t < T; t++) {
      u -= probs[b * T + t]!;
      if (u <= 0) {
        pick = t;
        break;
      }
    }
    out[b] = pick + 1;
  }
  return out;
}
