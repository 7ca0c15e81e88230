import * as tf from '@tensorflow/tfjs-core';
import type { MiniBatch } from '../training/batches.js';
import { partLoss, lossWeights, disposeWeights, sampleOutputs, type ChannelSpec } from './channels.js';
import { dense, denseParams, mlp, mlpParams } from './dense.js';
import { gruCell, gruParams, project, runGru } from './gru.js';
import type { GeneratedBatch, Model, ModelPhase } from './model.js';
import { adam, optimize } from './optimize.js';
import { readOut, sumAll } from './ops.js';
import { Params } from './params.js';
import type { Rng } from './rng.js';

export interface VaeConfig {
  family: 'vae';
  hidden: number;
  latent: number;
  /** Weight of the KL term. */
  beta: number;
  learningRate: number;
  batchSize: number;
  steps: number;
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
  const staticHead = mlpParams(p, 'dec.static', [Z, H, S]);
  const lengthHead = mlpParams(p, 'dec.length', [Z, H, T]);
  const init = denseParams(p, 'dec.init', Z, H);
  const dec = gruParams(p, 'dec.gru', C + S + Z, H);
  const stepHead = denseParams(p, 'dec.step', H, C);
  const outcomeHead = mlpParams(p, 'dec.outcome', [H + Z + S, H, O]);
  // A learned log-variance per real channel: a Gaussian likelihood, sampled at generation, so
  // generated values keep the spread (and tails) of the real ones instead of their conditional mean.
  const stepLogVar = p.bias('dec.step.logvar', C) as tf.Variable<tf.Rank.R1>;
  const staticLogVar = p.bias('dec.static.logvar', S) as tf.Variable<tf.Rank.R1>;
  const outcomeLogVar = p.bias('dec.outcome.logvar', O) as tf.Variable<tf.Rank.R1>;
  const optimizer = adam(config.learningRate);
  const vars = p.of('enc.', 'dec.');

  const tileSteps = (x: tf.Tensor2D) => tf.tile(x, [T, 1]) as tf.Tensor2D;

  function trainStep(batch: MiniBatch): Record<string, number> {
    const B = batch.size;
    const eps = rng.normals(B * Z);
    const stepW = lossWeights(spec.step, batch.x, T * B, batch.keep);
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
        return optimize(optimizer, vars, () => {
          const encoded = runGru(enc, tf.concat([x, tileSteps(statics)], 1), T, keep, undefined, false);
          const stats = mlp(encHead, tf.concat([encoded.last, statics, outcomes, lengthScalar], 1));
          const mu = tf.slice(stats, [0, 0], [-1, Z]);
          const logVar = tf.clipByValue(tf.slice(stats, [0, Z], [-1, Z]), -8, 8);
          const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), noise)) as tf.Tensor2D;
          const h0 = dense(init, z, 'tanh');
          const ds = runGru(dec, tf.concat([previous, tileSteps(statics), tileSteps(z)], 1), T, keep, h0);
          const stepLogits = dense(stepHead, ds.all);
          const outcomeLogits = mlp(outcomeHead, tf.concat([ds.last, z, statics], 1));
          const step = partLoss(spec.step, stepLogits, x, stepW, stepLogVar);
          const stat = partLoss(spec.statics, mlp(staticHead, z), statics, staticW, staticLogVar);
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

  function generate(n: number, sampler: Rng): GeneratedBatch {
    const z = tf.tensor2d(sampler.normals(n * Z), [n, Z]);
    const sd = (lv: tf.Variable) => readOut(() => tf.exp(tf.mul(lv, 0.5)));
    const stepSd = sd(stepLogVar);
    try {
      const statics = sampleOutputs(spec.statics, readOut(() => mlp(staticHead, z)), n, sampler, sd(staticLogVar));
      const lengths = sampleLengths(readOut(() => tf.softmax(mlp(lengthHead, z))), n, T, sampler);
      const sequences = new Float32Array(n * T * C);
      const staticT = tf.tensor2d(statics, [n, S]);
      let h = tf.tidy(() => dense(init, z, 'tanh'));
      let prev: Float32Array = new Float32Array(n * C);
      for (let t = 0; t < T; t++) {
        const keep = Float32Array.from(lengths, (l) => (t < l ? 1 : 0));
        const next = tf.tidy(() => {
          const input = tf.concat([tf.tensor2d(prev, [n, C]), staticT, z], 1) as tf.Tensor2D;
          return gruCell(dec, project(dec, input), h, tf.tensor2d(keep, [n, 1]));
        });
        h.dispose();
        h = next;
        const logits = readOut(() => dense(stepHead, h));
        const sampled = sampleOutputs(spec.step, logits, n, sampler, stepSd);
        for (let b = 0; b < n; b++) if (t < lengths[b]!) sequences.set(sampled.subarray(b * C, (b + 1) * C), (b * T + t) * C);
        prev = sampled;
      }
      const outcomeLogits = readOut(() => mlp(outcomeHead, tf.concat([h, z, staticT], 1) as tf.Tensor2D));
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
