import * as tf from '@tensorflow/tfjs-core';
import { weightedLogisticLoss } from './heads.js';
import { sumAll } from './ops.js';
import { optimize } from './optimize.js';
import type { TimeGanConfig } from './timegan.js';
import type { TimeGanInputs, TimeGanNetworks } from './timeganNetworks.js';

/*
 * The TimeGAN's training steps, one function each (as tfjs-examples'
 * mnist-acgan): the embedding phase's autoencoder, the supervised phase's
 * supervisor, and the joint phase's generator, embedder and discriminator.
 * Each computes its loss on a minibatch's tensors, applies one update to its
 * networks' weights and returns its losses as numbers.
 */

/** Weights of the losses, from the configuration. */
export type TimeGanLossWeights = Pick<TimeGanConfig, 'supervisedWeight' | 'latentAdversarialWeight' | 'momentWeight' | 'staticMomentWeight' | 'embedderSupervisedWeight'>;

/** The reconstruction weights of a batch (TimeGanNetworks.weightsOf). */
type Weights = ReturnType<TimeGanNetworks['weightsOf']>;

/** Noise of one batch: per step [T*B, N] and per patient [B, N]. */
export interface GeneratorNoise {
  steps: Float32Array;
  statics: Float32Array;
}

export const ones = (b: number) => tf.ones([b, 1]) as tf.Tensor2D;

/** Embedding phase: the autoencoder (embedder and recovery) learns to reconstruct the batch. */
export function embeddingStep(net: TimeGanNetworks, optimizer: tf.Optimizer, i: TimeGanInputs, w: Weights): Record<string, number> {
  return tf.tidy(() =>
    optimize(optimizer, net.vars.autoencoder, () => {
      const es = net.embedStatic(i);
      const recon = net.reconstruction(i, net.embed(i, es), es, w);
      return { total: recon, parts: { reconstruction: recon } };
    }),
  );
}

/** Supervised phase: the supervisor learns each next latent step of the embedded batch. */
export function supervisedStep(net: TimeGanNetworks, optimizer: tf.Optimizer, i: TimeGanInputs): Record<string, number> {
  return tf.tidy(() =>
    optimize(optimizer, net.vars.supervised, () => {
      const es = net.embedStatic(i);
      const hs = net.embed(i, es);
      const sup = nextStepLoss(hs, net.supervise(hs, es, i.keep, i.counts), i.keep, net.steps);
      return { total: sup, parts: { supervised: sup } };
    }),
  );
}

/** Joint phase, first: the generator (with the supervisor) learns to fool the discriminator and match the real latents' moments. */
export function generatorStep(net: TimeGanNetworks, optimizer: tf.Optimizer, i: TimeGanInputs, noise: GeneratorNoise, weights: TimeGanLossWeights): Record<string, number> {
  return tf.tidy(() => {
    // The real latents are data here (the generator trains none of the embedder's weights): computed outside the gradient tape.
    const es = net.embedStatic(i);
    const hs = net.embed(i, es);
    return optimize(optimizer, net.vars.generator, () => {
      const fake = net.generated(i, noise.steps, noise.statics);
      const adversarial = weightedLogisticLoss(net.discriminate(fake.h, fake.es, i.keep, i.counts, false, i.condition), 1, i.keep);
      const adversarialE = weightedLogisticLoss(net.discriminate(fake.e, fake.es, i.keep, i.counts, false, i.condition), 1, i.keep);
      const adversarialS = weightedLogisticLoss(net.discriminateStatic(fake.es, i.condition), 1, ones(i.B));
      const sup = nextStepLoss(hs, net.supervise(hs, es, i.keep, i.counts, true), i.keep, net.steps);
      const moments = momentLoss(hs, fake.h, i.keep);
      const staticMoments = momentLoss(es, fake.es, ones(i.B));
      const total = sumAll([
        adversarial,
        tf.mul(adversarialE, weights.latentAdversarialWeight) as tf.Scalar,
        adversarialS,
        tf.mul(tf.sqrt(tf.add(sup, 1e-8)), weights.supervisedWeight) as tf.Scalar,
        tf.mul(moments, weights.momentWeight) as tf.Scalar,
        tf.mul(staticMoments, weights.staticMomentWeight) as tf.Scalar,
      ]);
      return { total, parts: { adversarial, supervised: sup, moments } };
    });
  });
}

/** Joint phase, second: the autoencoder keeps reconstructing, its latents kept predictable for the supervisor. */
export function embedderStep(net: TimeGanNetworks, optimizer: tf.Optimizer, i: TimeGanInputs, w: Weights, weights: TimeGanLossWeights): Record<string, number> {
  return tf.tidy(() =>
    optimize(optimizer, net.vars.autoencoder, () => {
      const es = net.embedStatic(i);
      const hs = net.embed(i, es);
      const recon = net.reconstruction(i, hs, es, w);
      const sup = nextStepLoss(hs, net.supervise(hs, es, i.keep, i.counts), i.keep, net.steps);
      return { total: tf.add(recon, tf.mul(sup, weights.embedderSupervisedWeight)) as tf.Scalar, parts: { reconstruction: recon } };
    }),
  );
}

/** Joint phase, last: the discriminator learns to tell real latents (sequences and statics) from generated ones. */
export function discriminatorStep(net: TimeGanNetworks, optimizer: tf.Optimizer, i: TimeGanInputs, noise: GeneratorNoise, weights: TimeGanLossWeights): Record<string, number> {
  return tf.tidy(() => {
    // Real and generated latents are data to the discriminator: computed outside the gradient tape.
    const es = net.embedStatic(i);
    const hs = net.embed(i, es);
    const fake = net.generated(i, noise.steps, noise.statics);
    return optimize(optimizer, net.vars.discriminator, () => {
      const real = weightedLogisticLoss(net.discriminate(hs, es, i.keep, i.counts, true, i.condition), 1, i.keep);
      const fakeH = weightedLogisticLoss(net.discriminate(fake.h, fake.es, i.keep, i.counts, true, i.condition), 0, i.keep);
      const fakeE = weightedLogisticLoss(net.discriminate(fake.e, fake.es, i.keep, i.counts, true, i.condition), 0, i.keep);
      const staticReal = weightedLogisticLoss(net.discriminateStatic(es, i.condition), 1, ones(i.B));
      const staticFake = weightedLogisticLoss(net.discriminateStatic(fake.es, i.condition), 0, ones(i.B));
      const total = sumAll([real, fakeH, tf.mul(fakeE, weights.latentAdversarialWeight) as tf.Scalar, staticReal, staticFake]);
      return { total, parts: {} };
    });
  });
}

/** Mean squared error between next latent steps and the supervisor's predictions, over valid steps (time-major, T steps). */
export function nextStepLoss(hs: tf.Tensor2D, predicted: tf.Tensor2D, keep: tf.Tensor2D, T: number): tf.Scalar {
  if (T < 2) return tf.scalar(0);
  const [rows, H] = hs.shape;
  const B = rows / T;
  const next = tf.slice(hs, [B, 0], [(T - 1) * B, H]);
  const guess = tf.slice(predicted, [0, 0], [(T - 1) * B, H]);
  const valid = tf.slice(keep, [B, 0], [(T - 1) * B, 1]);
  return tf.div(tf.sum(tf.mul(valid, tf.square(tf.sub(next, guess)))), tf.maximum(tf.mul(tf.sum(valid), H), 1)) as tf.Scalar;
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
