import * as tf from '@tensorflow/tfjs-core';
import { sampleOutputs } from './channels.js';
import { readClock, RunningClock } from './clock.js';
import { lengthProbabilities, sampleLengths } from './heads.js';
import { lengthLayout, stepPosition } from './minibatch.js';
import type { GeneratedBatch } from './model.js';
import { readOut } from './ops.js';
import type { Rng } from '../common/rng.js';
import type { TimeGanNetworks } from './timeganNetworks.js';
import { withinWeights } from './within.js';

/**
 * n synthetic patients from a trained TimeGAN: a static latent from noise, the
 * statics and the number of steps recovered from it, a latent sequence from
 * the generator and the supervisor, the steps recovered from it, then the
 * outcome from the state after the last step.
 */
export function generateTimeGan(net: TimeGanNetworks, n: number, sampler: Rng, conditionRows?: Float32Array): GeneratedBatch {
  const { spec, clock } = net;
  const T = net.steps;
  const C = spec.step.width;
  const S = spec.statics.width;
  const SH = spec.statics.headWidth;
  const N = net.noise;
  const staticNoise = tf.tensor2d(sampler.uniform(n * N, 0, 1), [n, N]);
  // A conditional model is told each patient's condition (zeros: none).
  const K = net.conditionWidth;
  const condition = K ? tf.tensor2d(conditionRows ?? new Float32Array(n * K), [n, K]) : null;
  const es = tf.tidy(() => net.generateStatic(staticNoise, condition));
  try {
    const staticOut = readOut(() => net.recoverStatic(es));
    const staticLogits = new Float32Array(n * SH);
    for (let b = 0; b < n; b++) staticLogits.set(staticOut.subarray(b * (SH + T), b * (SH + T) + SH), b * SH);
    const lengthProbs = lengthProbabilities(staticOut, n, T, SH, SH + T);
    const statics = sampleOutputs(spec.statics, staticLogits, n, sampler, undefined, undefined, undefined, withinWeights(net.staticWithin));
    const stepWithinWeights = withinWeights(net.stepWithin);
    const lengths = sampleLengths(lengthProbs, n, T, sampler);
    const { keep: keepData, oneHot: lengthOneHot } = lengthLayout(lengths, T);
    const noise = sampler.uniform(T * n * N, 0, 1);
    const recovered = tf.tidy(() => {
      const keep = tf.tensor2d(keepData, [T * n, 1]);
      const z = tf.tensor2d(noise, [T * n, N]);
      const e = net.generateSequence(z, es, tf.tensor2d(lengthOneHot, [n, T]), keep, undefined, condition);
      const r = net.recover(net.supervise(e, es, keep), es, keep, tf.tensor2d(stepPosition(lengths, T), [T * n, 2]));
      return [r.step, r.last];
    });
    const stepLogits = recovered[0]!.dataSync() as Float32Array;
    // A step at a time, so that with a clock no gap carries a step past the latest time the training data reaches.
    const timeMajor = new Float32Array(T * n * C);
    const running = clock ? new RunningClock(clock, statics, S, n) : null;
    for (let t = 0; t < T; t++) {
      const upper = running && clock ? { offset: clock.gapOffset, max: running.longestGaps() } : undefined;
      const previous = t > 0 ? timeMajor.subarray((t - 1) * n * C, t * n * C) : undefined;
      const sampled = sampleOutputs(spec.step, stepLogits.subarray(t * n * spec.step.headWidth, (t + 1) * n * spec.step.headWidth), n, sampler, undefined, upper, previous, stepWithinWeights);
      timeMajor.set(sampled, t * n * C);
      running?.tick(sampled, C, (b) => t < lengths[b]!);
    }
    const sequences = new Float32Array(n * T * C);
    const lastSteps = new Float32Array(n * C);
    for (let b = 0; b < n; b++) {
      for (let t = 0; t < lengths[b]!; t++) sequences.set(timeMajor.subarray((t * n + b) * C, (t * n + b + 1) * C), (b * T + t) * C);
      lastSteps.set(sequences.subarray((b * T + lengths[b]! - 1) * C, (b * T + lengths[b]!) * C), b * C);
    }
    const end = clock ? readClock(clock, timeMajor, lengths, T, C, statics, S).end : null;
    const outcomeLogits = readOut(() => net.outcomeOf(recovered[1] as tf.Tensor2D, es, tf.tensor2d(lastSteps, [n, C]), end ? tf.tensor2d(end, [n, 1]) : null, condition));
    tf.dispose(recovered);
    return { n, statics, sequences, lengths, outcomes: sampleOutputs(spec.outcome, outcomeLogits, n, sampler) };
  } finally {
    staticNoise.dispose();
    condition?.dispose();
    es.dispose();
  }
}
