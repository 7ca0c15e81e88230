import * as tf from '@tensorflow/tfjs-core';
import { packBatch, reorderRows, type MiniBatch } from './minibatch.js';
import { disposeWeights, type ChannelSpec } from './channels.js';
import type { Model, ModelPhase, ModelState } from './model.js';
import { adam } from './optimize.js';
import { withDroppedConditions, type ConditionLayout } from './conditioning.js';
import { Params } from './params.js';
import type { Rng } from '../common/rng.js';
import { generateTimeGan } from './timeganGenerate.js';
import { timeGanNetworks } from './timeganNetworks.js';
import { privateTimeGanStep } from './timeganPrivate.js';
import { discriminatorStep, embedderStep, embeddingStep, generatorStep, supervisedStep } from './timeganSteps.js';

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
  /** Weight of the adversarial losses of the generator's own latent sequence, before the supervisor, for generator and discriminator (TimeGAN's gamma). */
  latentAdversarialWeight: number;
  /** Weight of the moment loss of the latent sequences in the generator's objective. */
  momentWeight: number;
  /** Weight of the moment loss of the static latents in the generator's objective. */
  staticMomentWeight: number;
  /** Weight of the supervised loss in the embedder's objective in the joint phase. */
  embedderSupervisedWeight: number;
  /** The discriminator updates only while its last loss is above this (it is not already winning). */
  discriminatorThreshold: number;
  /**
   * 2: real outputs binned (`bins` per channel, see outputBins), a step's binary
   * channels drawn as one pattern (stepPatterns), the decoder told how many steps
   * are left and the outcome reading the last step. Absent in runs from before:
   * those load and generate as they were trained.
   */
  architecture?: 2;
  bins?: number;
  /** The attributes the model is conditioned on, as the VAE's (VaeConfig.conditions); absent or empty: none. */
  conditions?: string[];
}

export type TimeGanPhase = 'embedding' | 'supervised' | 'joint';

/*
 * A recurrent GAN of the TimeGAN family (Yoon et al. 2019) for clinical
 * timelines: embedder and recovery (an autoencoder into a latent sequence),
 * supervisor (next latent step), generator and discriminator on GRU cells,
 * trained in three phases: embedding, supervised, joint. Unlike a plain
 * TimeGAN, the statics and the number of steps are embedded and generated
 * once per patient (they condition every step instead of being repeated and
 * drifting), and the outcome is recovered from the state after the last
 * generated step, so follow-up ends after the last visit.
 * Networks in timeganNetworks, training steps in timeganSteps, generation in timeganGenerate.
 */
export function buildTimeGan(config: TimeGanConfig, spec: ChannelSpec, rng: Rng, conditions?: ConditionLayout): Model<TimeGanPhase> {
  const T = spec.maxLength;
  const N = config.noise;
  const p = new Params(rng);
  const net = timeGanNetworks(config, spec, p, conditions?.width ?? 0);
  const optimizers = {
    embedding: adam(config.learningRate),
    supervised: adam(config.learningRate),
    generator: adam(config.learningRate),
    discriminator: adam(config.learningRate),
  };
  // The discriminator's loss at its last update (Infinity before the first): whether it updates next.
  let lastDiscriminatorLoss = Infinity;

  function trainStep(phase: TimeGanPhase, drawn: MiniBatch): Record<string, number> {
    // Sorted by length, so that the GRUs and their heads run packed (timeganNetworks), each patient with the noise drawn for it.
    const packed = packBatch(drawn);
    const { batch, order } = packed;
    const w = net.weightsOf(packed);
    // Drawn in every phase, so that the stream is where it was in runs trained before.
    const noise = { steps: reorderRows(rng.uniform(T * batch.size * N, 0, 1), order, T), statics: reorderRows(rng.uniform(batch.size * N, 0, 1), order) };
    // Condition dropout, after the noise (a model without conditions draws nothing more); in the packed order.
    if (conditions && batch.conditions) batch.conditions = reorderRows(withDroppedConditions(drawn, conditions, rng).conditions!, order);
    try {
      return tf.tidy(() => {
        const i = net.inputs(packed);
        switch (phase) {
          case 'embedding':
            return embeddingStep(net, optimizers.embedding, i, w);
          case 'supervised':
            return supervisedStep(net, optimizers.supervised, i);
          case 'joint': {
            const g = generatorStep(net, optimizers.generator, i, noise, config);
            const e = embedderStep(net, optimizers.embedding, i, w, config);
            // TimeGAN only updates the discriminator while it is not already winning.
            const d = lastDiscriminatorLoss <= config.discriminatorThreshold ? null : discriminatorStep(net, optimizers.discriminator, i, noise, config);
            if (d) lastDiscriminatorLoss = d.total!;
            return {
              generator: g.total!,
              adversarial: g.adversarial!,
              supervised: g.supervised!,
              moments: g.moments!,
              reconstruction: e.reconstruction!,
              discriminator: lastDiscriminatorLoss,
            };
          }
        }
      });
    } finally {
      disposeWeights(w.step);
      disposeWeights(w.statics);
      disposeWeights(w.outcome);
    }
  }

  // Relative costs of a step, as timed on wasm with the native kernels (the scale cohort, packed batches:
  // 42-62 / 24-34 / 195-287 ms over three runs), for the ETA of phases not yet run: a joint step runs
  // generator, embedder and discriminator.
  const phases: ModelPhase<TimeGanPhase>[] = [
    { name: 'embedding', steps: config.embeddingSteps, optimizers: ['embedding'], cost: 1 },
    { name: 'supervised', steps: config.supervisedSteps, optimizers: ['supervised'], cost: 0.55 },
    { name: 'joint', steps: config.jointSteps, optimizers: ['generator', 'embedding', 'discriminator'], cost: 4.8 },
  ];
  return {
    family: 'timegan',
    params: p,
    optimizers,
    phases,
    trainStep,
    privateStep: (phase, patients, data, settings) => privateTimeGanStep(net, optimizers, phase, patients, data, settings, config, rng),
    // JSON has no Infinity: null until the discriminator's first update.
    state: (): ModelState => ({ rng: rng.seedState, lastDiscriminatorLoss: Number.isFinite(lastDiscriminatorLoss) ? lastDiscriminatorLoss : null }),
    restore: (state: ModelState) => {
      rng.seedState = state.rng;
      if (state.lastDiscriminatorLoss !== undefined) lastDiscriminatorLoss = state.lastDiscriminatorLoss ?? Infinity;
    },
    generate: (n, sampler, condition) => generateTimeGan(net, n, sampler, condition),
    dispose: () => {
      p.dispose();
      for (const o of Object.values(optimizers)) o.dispose();
    },
  };
}
