import * as tf from '@tensorflow/tfjs-core';
import { stepPosition, type MiniBatch } from './minibatch.js';
import { disposeWeights, lossWeights, partLoss, sampleOutputs, type ChannelSpec } from './channels.js';
import { dense, denseParams, mlp, mlpParams, type DenseWeights } from './dense.js';
import { gruCell, gruParams, project, runGru, type GruWeights } from './gru.js';
import type { GeneratedBatch, Model, ModelPhase } from './model.js';
import { readClock, RunningClock } from './clock.js';
import { readOut, sumAll } from './ops.js';
import { adam, optimize } from './optimize.js';
import { Params } from './params.js';
import type { Rng } from '../common/rng.js';
import { sampleLengths } from './vae.js';
import { within, withinLogits, withinWeights } from './within.js';

export interface TimeGanConfig {
  family: 'timegan';
  hidden: number;
  /** Size of the per-step noise. */
  noise: number;
  learningRate: number;
  batchSize: number;
  embeddingSteps: number;
  supervisedSteps: number;
  jointSteps: number;
  /** Weight of the supervised loss in the generator's objective (TimeGAN's eta). */
  supervisedWeight: number;
  /**
   * 2: real outputs binned (`bins` per channel, see outputBins), a step's binary
   * channels drawn as one pattern (stepPatterns), the decoder told how many steps
   * are left and the outcome reading the last step. Absent in runs from before:
   * those load and generate as they were trained.
   */
  architecture?: 2;
  bins?: number;
}

/*
 * A recurrent GAN of the TimeGAN family (Yoon et al. 2019) for clinical
 * timelines: embedder and recovery (an autoencoder into a latent sequence),
 * supervisor (next latent step), generator and discriminator on GRU cells,
 * trained in three phases: embedding, supervised, joint. Unlike a plain
 * TimeGAN, the statics and the number of steps are embedded and generated
 * once per patient (they condition every step instead of being repeated and
 * drifting), and the outcome is recovered from the state after the last
 * generated step, so follow-up ends after the last visit.
 */
export function buildTimeGan(config: TimeGanConfig, spec: ChannelSpec, rng: Rng): Model {
  const C = spec.step.width;
  const S = spec.statics.width;
  const O = spec.outcome.width;
  const T = spec.maxLength;
  const H = config.hidden;
  const N = config.noise;
  const p = new Params(rng);
  // Statics and length <-> a static latent of size H.
  const staticEmbed = mlpParams(p, 'emb.static', [S + T, H, H]);
  const SH = spec.statics.headWidth;
  const staticRecover = mlpParams(p, 'rec.static', [H, H, SH + T]);
  const staticGenerate = mlpParams(p, 'gen.static', [N, H, H]);
  const staticDiscriminate = mlpParams(p, 'dis.static', [H, H, 1]);
  // Sequences <-> latent sequences, conditioned on the static latent and the length.
  const embedder = gruParams(p, 'emb.gru', C + H, H);
  const embedderOut = denseParams(p, 'emb.out', H, H);
  // Architecture 2: the recovery reads how many steps are left (so it knows which step is the last).
  const P = config.architecture === 2 ? 2 : 0;
  const recovery = gruParams(p, 'rec.gru', H + H + P, H);
  const recoveryOut = denseParams(p, 'rec.out', H, spec.step.headWidth);
  // Architecture 2: heads autoregressive within a step and within the statics (see withinOrder).
  const stepWithin = config.architecture === 2 ? within(p, 'rec.step.within', spec.step) : null;
  const staticWithin = config.architecture === 2 ? within(p, 'rec.static.within', spec.statics) : null;
  const clock = config.architecture === 2 ? spec.clock : null;
  const L = config.architecture === 2 ? C + (clock ? 1 : 0) : 0;
  const outcomeHead = mlpParams(p, 'rec.outcome', [H + H + L, H, spec.outcome.headWidth]);
  const generator = gruParams(p, 'gen.gru', N + H + T, H);
  const generatorOut = denseParams(p, 'gen.out', H, H);
  const supervisor = gruParams(p, 'sup.gru', H + H, H);
  const supervisorOut = denseParams(p, 'sup.out', H, H);
  const discriminator = gruParams(p, 'dis.gru', H + H, H);
  const discriminatorOut = denseParams(p, 'dis.out', H, 1);

  const optimizers = {
    embedding: adam(config.learningRate),
    supervised: adam(config.learningRate),
    generator: adam(config.learningRate),
    discriminator: adam(config.learningRate),
  };
  const autoencoderVars = p.of('emb.', 'rec.');
  const generatorVars = p.of('gen.', 'sup.');
  const supervisedVars = p.of('sup.', 'gen.');
  const discriminatorVars = p.of('dis.');

  const tile = (x: tf.Tensor2D) => tf.tile(x, [T, 1]) as tf.Tensor2D;
  /** A GRU and a sigmoid projection of its states: a latent sequence, time-major [T*B, H]. */
  const seq = (w: GruWeights, out: DenseWeights, input: tf.Tensor2D, keep: tf.Tensor2D, inputGradient = true) =>
    dense(out, runGru(w, input, T, keep, undefined, inputGradient).all, 'sigmoid');

  /** Tensors of one minibatch, created inside the caller's tidy scope. */
  function inputs(batch: MiniBatch) {
    const B = batch.size;
    return {
      B,
      x: tf.tensor2d(batch.x, [T * B, C]),
      keep: tf.tensor2d(batch.keep, [T * B, 1]),
      statics: tf.tensor2d(batch.statics, [B, S]),
      outcomes: tf.tensor2d(batch.outcomes, [B, O]),
      length: tf.tensor2d(batch.lengthOneHot, [B, T]),
      last: tf.tensor2d(batch.last, [B, C]),
      end: clock ? tf.tensor2d(readClock(clock, batch.x, batch.lengths, T, C, batch.statics, S).end, [B, 1]) : null,
      position: tf.tensor2d(stepPosition(batch.lengths, T), [T * B, 2]),
    };
  }
  type Inputs = ReturnType<typeof inputs>;

  const embedStatic = (i: Inputs) => mlp(staticEmbed, tf.concat([i.statics, i.length], 1) as tf.Tensor2D, 'sigmoid');
  const embed = (i: Inputs, es: tf.Tensor2D) => seq(embedder, embedderOut, tf.concat([i.x, tile(es)], 1) as tf.Tensor2D, i.keep);
  const supervise = (hs: tf.Tensor2D, es: tf.Tensor2D, keep: tf.Tensor2D) => seq(supervisor, supervisorOut, tf.concat([hs, tile(es)], 1) as tf.Tensor2D, keep);

  /** Recovery: latent steps -> step logits, and the state after the last step (what the outcome follows). */
  function recover(hs: tf.Tensor2D, es: tf.Tensor2D, keep: tf.Tensor2D, position: tf.Tensor2D) {
    const states = runGru(recovery, tf.concat(P ? [hs, tile(es), position] : [hs, tile(es)], 1) as tf.Tensor2D, T, keep);
    return { step: dense(recoveryOut, states.all), last: states.last };
  }
  /** The outcome from the state after the last step, the static latent and (architecture 2) the last step itself and its time. */
  const outcomeOf = (last: tf.Tensor2D, es: tf.Tensor2D, lastStep: tf.Tensor2D, end: tf.Tensor2D | null) =>
    mlp(outcomeHead, tf.concat(L ? [last, es, lastStep, ...(end ? [end] : [])] : [last, es], 1) as tf.Tensor2D);

  /** Mean squared error between next latent steps and the supervisor's predictions, over valid steps. */
  function supervisedLoss(hs: tf.Tensor2D, predicted: tf.Tensor2D, keep: tf.Tensor2D): tf.Scalar {
    if (T < 2) return tf.scalar(0);
    const B = hs.shape[0] / T;
    const next = tf.slice(hs, [B, 0], [(T - 1) * B, H]);
    const guess = tf.slice(predicted, [0, 0], [(T - 1) * B, H]);
    const valid = tf.slice(keep, [B, 0], [(T - 1) * B, 1]);
    return tf.div(tf.sum(tf.mul(valid, tf.square(tf.sub(next, guess)))), tf.maximum(tf.mul(tf.sum(valid), H), 1)) as tf.Scalar;
  }

  function discriminate(hs: tf.Tensor2D, es: tf.Tensor2D, keep: tf.Tensor2D): tf.Tensor2D {
    return dense(discriminatorOut, runGru(discriminator, tf.concat([hs, tile(es)], 1) as tf.Tensor2D, T, keep).all); // a logit per step
  }

  /** Mean logistic loss of per-step logits against a constant label, over valid steps. */
  const bce = (logits: tf.Tensor2D, label: 0 | 1, weight: tf.Tensor2D) => {
    const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, label)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.div(tf.sum(tf.mul(loss, weight)), tf.maximum(tf.sum(weight), 1)) as tf.Scalar;
  };
  const ones = (b: number) => tf.ones([b, 1]) as tf.Tensor2D;

  function generated(i: Inputs, noise: Float32Array, staticNoise: Float32Array) {
    const es = mlp(staticGenerate, tf.tensor2d(staticNoise, [i.B, N]), 'sigmoid');
    const z = tf.tensor2d(noise, [T * i.B, N]);
    const e = seq(generator, generatorOut, tf.concat([z, tile(es), tile(i.length)], 1) as tf.Tensor2D, i.keep);
    return { es, e, h: supervise(e, es, i.keep) };
  }

  function reconstruction(i: Inputs, hs: tf.Tensor2D, es: tf.Tensor2D, w: ReturnType<typeof weightsOf>): tf.Scalar {
    const r = recover(hs, es, i.keep, i.position);
    const staticOut = mlp(staticRecover, es);
    const stat = partLoss(spec.statics, withinLogits(staticWithin, tf.slice(staticOut, [0, 0], [-1, SH]) as tf.Tensor2D, i.statics), i.statics, w.statics);
    const length = tf.mean(tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.slice(staticOut, [0, SH], [-1, T])), i.length), 1))) as tf.Scalar;
    return sumAll([partLoss(spec.step, withinLogits(stepWithin, r.step, i.x), i.x, w.step), stat, partLoss(spec.outcome, outcomeOf(r.last, es, i.last, i.end), i.outcomes, w.outcome), length]);
  }

  const weightsOf = (b: MiniBatch) => ({
    step: lossWeights(spec.step, b.x, T * b.size, b.keep, b.previous),
    statics: lossWeights(spec.statics, b.statics, b.size),
    outcome: lossWeights(spec.outcome, b.outcomes, b.size),
  });

  let lastDiscriminatorLoss = Infinity;

  function trainStep(phase: string, batch: MiniBatch): Record<string, number> {
    const w = weightsOf(batch);
    const noise = rng.uniform(T * batch.size * N, 0, 1);
    const staticNoise = rng.uniform(batch.size * N, 0, 1);
    try {
      return tf.tidy(() => {
        const i = inputs(batch);
        if (phase === 'embedding') {
          return optimize(optimizers.embedding, autoencoderVars, () => {
            const es = embedStatic(i);
            const recon = reconstruction(i, embed(i, es), es, w);
            return { total: recon, parts: { reconstruction: recon } };
          });
        }
        if (phase === 'supervised') {
          return optimize(optimizers.supervised, supervisedVars, () => {
            const es = embedStatic(i);
            const hs = embed(i, es);
            const sup = supervisedLoss(hs, supervise(hs, es, i.keep), i.keep);
            return { total: sup, parts: { supervised: sup } };
          });
        }
        // Joint: generator (with supervisor), then embedder, then discriminator.
        const g = optimize(optimizers.generator, generatorVars, () => {
          const es = embedStatic(i);
          const hs = embed(i, es);
          const fake = generated(i, noise, staticNoise);
          const adversarial = bce(discriminate(fake.h, fake.es, i.keep), 1, i.keep);
          const adversarialE = bce(discriminate(fake.e, fake.es, i.keep), 1, i.keep);
          const adversarialS = bce(mlp(staticDiscriminate, fake.es), 1, ones(i.B));
          const sup = supervisedLoss(hs, supervise(hs, es, i.keep), i.keep);
          const moments = momentLoss(hs, fake.h, i.keep);
          const staticMoments = momentLoss(es, fake.es, ones(i.B));
          const total = sumAll([adversarial, tf.mul(adversarialE, 0.5) as tf.Scalar, adversarialS, tf.mul(tf.sqrt(tf.add(sup, 1e-8)), config.supervisedWeight) as tf.Scalar, tf.mul(moments, 10) as tf.Scalar, tf.mul(staticMoments, 10) as tf.Scalar]);
          return { total, parts: { adversarial, supervised: sup, moments } };
        });
        const e = optimize(optimizers.embedding, autoencoderVars, () => {
          const es = embedStatic(i);
          const hs = embed(i, es);
          const recon = reconstruction(i, hs, es, w);
          const sup = supervisedLoss(hs, supervise(hs, es, i.keep), i.keep);
          return { total: tf.add(recon, tf.mul(sup, 0.1)) as tf.Scalar, parts: { reconstruction: recon } };
        });
        // TimeGAN only updates the discriminator while it is not already winning (loss above 0.15).
        const d = lastDiscriminatorLoss <= 0.15 ? null : optimize(optimizers.discriminator, discriminatorVars, () => {
          const es = embedStatic(i);
          const hs = embed(i, es);
          const fake = generated(i, noise, staticNoise);
          const real = bce(discriminate(hs, es, i.keep), 1, i.keep);
          const fakeH = bce(discriminate(fake.h, fake.es, i.keep), 0, i.keep);
          const fakeE = bce(discriminate(fake.e, fake.es, i.keep), 0, i.keep);
          const staticReal = bce(mlp(staticDiscriminate, es), 1, ones(i.B));
          const staticFake = bce(mlp(staticDiscriminate, fake.es), 0, ones(i.B));
          const total = sumAll([real, fakeH, tf.mul(fakeE, 0.5) as tf.Scalar, staticReal, staticFake]);
          return { total, parts: {} };
        });
        if (d) lastDiscriminatorLoss = d.total!;
        return {
          generator: g.total!,
          adversarial: g.adversarial!,
          supervised: g.supervised!,
          moments: g.moments!,
          reconstruction: e.reconstruction!,
          discriminator: d ? d.total! : lastDiscriminatorLoss,
        };
      });
    } finally {
      disposeWeights(w.step);
      disposeWeights(w.statics);
      disposeWeights(w.outcome);
    }
  }

  function generate(n: number, sampler: Rng): GeneratedBatch {
    const staticNoise = tf.tensor2d(sampler.uniform(n * N, 0, 1), [n, N]);
    const es = tf.tidy(() => mlp(staticGenerate, staticNoise, 'sigmoid'));
    try {
      const staticOut = readOut(() => mlp(staticRecover, es));
      const staticLogits = new Float32Array(n * SH);
      const lengthProbs = new Float32Array(n * T);
      for (let b = 0; b < n; b++) {
        staticLogits.set(staticOut.subarray(b * (SH + T), b * (SH + T) + SH), b * SH);
        const row = staticOut.subarray(b * (SH + T) + SH, (b + 1) * (SH + T));
        const max = Math.max(...row);
        let total = 0;
        for (let t = 0; t < T; t++) total += lengthProbs[b * T + t] = Math.exp(row[t]! - max);
        for (let t = 0; t < T; t++) lengthProbs[b * T + t]! /= total;
      }
      const statics = sampleOutputs(spec.statics, staticLogits, n, sampler, undefined, undefined, undefined, withinWeights(staticWithin));
      const stepWithinWeights = withinWeights(stepWithin);
      const lengths = sampleLengths(lengthProbs, n, T, sampler);
      const keepData = new Float32Array(T * n);
      const lengthOneHot = new Float32Array(n * T);
      for (let b = 0; b < n; b++) {
        lengthOneHot[b * T + lengths[b]! - 1] = 1;
        for (let t = 0; t < lengths[b]!; t++) keepData[t * n + b] = 1;
      }
      const noise = sampler.uniform(T * n * N, 0, 1);
      const recovered = tf.tidy(() => {
        const keep = tf.tensor2d(keepData, [T * n, 1]);
        const z = tf.tensor2d(noise, [T * n, N]);
        const e = seq(generator, generatorOut, tf.concat([z, tile(es), tile(tf.tensor2d(lengthOneHot, [n, T]))], 1) as tf.Tensor2D, keep);
        const r = recover(supervise(e, es, keep), es, keep, tf.tensor2d(stepPosition(lengths, T), [T * n, 2]));
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
      const outcomeLogits = readOut(() => outcomeOf(recovered[1] as tf.Tensor2D, es, tf.tensor2d(lastSteps, [n, C]), end ? tf.tensor2d(end, [n, 1]) : null));
      tf.dispose(recovered);
      return { n, statics, sequences, lengths, outcomes: sampleOutputs(spec.outcome, outcomeLogits, n, sampler) };
    } finally {
      staticNoise.dispose();
      es.dispose();
    }
  }

  const phases: ModelPhase[] = [
    { name: 'embedding', steps: config.embeddingSteps, optimizers: ['embedding'] },
    { name: 'supervised', steps: config.supervisedSteps, optimizers: ['supervised'] },
    { name: 'joint', steps: config.jointSteps, optimizers: ['generator', 'embedding', 'discriminator'] },
  ];
  return {
    family: 'timegan',
    params: p,
    rng,
    optimizers,
    phases,
    trainStep,
    generate,
    dispose: () => {
      p.dispose();
      for (const o of Object.values(optimizers)) o.dispose();
    },
  };
}

/** |mean difference| + |sd difference| per feature, averaged (TimeGAN's moment loss), over weighted rows. */
function momentLoss(real: tf.Tensor2D, fake: tf.Tensor2D, weight: tf.Tensor2D): tf.Scalar {
  const total = tf.maximum(tf.sum(weight), 1);
  const mean = (x: tf.Tensor2D) => tf.div(tf.sum(tf.mul(x, weight), 0), total);
  const sd = (x: tf.Tensor2D, m: tf.Tensor) => tf.sqrt(tf.add(tf.div(tf.sum(tf.mul(tf.square(tf.sub(x, m)), weight), 0), total), 1e-6));
  const mr = mean(real);
  const mf = mean(fake);
  return tf.add(tf.mean(tf.abs(tf.sub(mr, mf))), tf.mean(tf.abs(tf.sub(sd(real, mr), sd(fake, mf))))) as tf.Scalar;
}
