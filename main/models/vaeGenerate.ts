import * as tf from '@tensorflow/tfjs-core';
import { sampleOutputs } from './channels.js';
import { RunningClock } from './clock.js';
import { sampleLengths } from './heads.js';
import { drawLatent, type LatentGaussian } from './latentPrior.js';
import { stepPosition } from './minibatch.js';
import type { GeneratedBatch } from './model.js';
import { readOut } from './ops.js';
import type { Rng } from '../common/rng.js';
import type { VaeNetworks } from './vaeNetworks.js';
import { withinWeights } from './within.js';

/**
 * n synthetic patients from a trained VAE: latent patients (from `latent`, the
 * aggregate posterior, where fitted; else N(0, I)), decoded into the statics,
 * the number of steps, the steps one at a time (each fed the one drawn before)
 * and the outcome after the last step. `condition` ([n, K]): what a conditional
 * model is told of each patient (conditioning.ts); without it, nothing.
 */
export function generateVae(net: VaeNetworks, latent: LatentGaussian | null, n: number, sampler: Rng, condition?: Float32Array): GeneratedBatch {
  const { spec, clock } = net;
  const C = spec.step.width;
  const S = spec.statics.width;
  const T = net.steps;
  const Z = net.latent;
  const eps = sampler.normals(n * Z);
  const K = net.conditionWidth;
  // A conditional model is told the condition (zeros: none) beside each latent patient.
  const z = tf.tidy(() => net.decoderLatent(tf.tensor2d(latent ? drawLatent(latent, eps, n, Z) : eps, [n, Z]), K ? tf.tensor2d(condition ?? new Float32Array(n * K), [n, K]) : null));
  const sd = (lv: tf.Variable) => readOut(() => tf.exp(tf.mul(lv, 0.5)));
  const stepSd = sd(net.stepLogVar);
  try {
    const statics = sampleOutputs(spec.statics, readOut(() => net.staticLogits(z)), n, sampler, sd(net.staticLogVar), undefined, undefined, withinWeights(net.staticWithin));
    const stepWithinWeights = withinWeights(net.stepWithin);
    const lengths = sampleLengths(readOut(() => tf.softmax(net.lengthLogits(z))), n, T, sampler);
    const sequences = new Float32Array(n * T * C);
    const staticT = tf.tensor2d(statics, [n, S]);
    let h = tf.tidy(() => net.initialState(z));
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
        const parts = [tf.tensor2d(prev, [n, C]), staticT, z, ...(net.context ? [net.context(position.subarray(t * n * 2, (t + 1) * n * 2), before)] : [])];
        return net.decodeStep(tf.concat(parts, 1) as tf.Tensor2D, h, tf.tensor2d(keep, [n, 1]));
      });
      h.dispose();
      h = next;
      const logits = readOut(() => net.stepLogits(h));
      const sampled = sampleOutputs(spec.step, logits, n, sampler, stepSd, upper, t > 0 ? prev : undefined, stepWithinWeights);
      for (let b = 0; b < n; b++) if (t < lengths[b]!) sequences.set(sampled.subarray(b * C, (b + 1) * C), (b * T + t) * C);
      running?.tick(sampled, C, (b) => t < lengths[b]!);
      prev = sampled;
    }
    const lastSteps = new Float32Array(n * C);
    for (let b = 0; b < n; b++) lastSteps.set(sequences.subarray((b * T + lengths[b]! - 1) * C, (b * T + lengths[b]!) * C), b * C);
    const end = running?.left() ?? null;
    const outcomeLogits = readOut(() => net.outcomeLogits(h, z, staticT, lastSteps, end));
    h.dispose();
    staticT.dispose();
    return { n, statics, sequences, lengths, outcomes: sampleOutputs(spec.outcome, outcomeLogits, n, sampler, sd(net.outcomeLogVar)) };
  } finally {
    z.dispose();
  }
}
