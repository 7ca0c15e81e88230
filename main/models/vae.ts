import * as tf from '@tensorflow/tfjs-core';
import { batchOf, packBatch, reorderRows, stepPosition, type MiniBatch, type PackedBatch, type TrainingData } from './minibatch.js';
import { partLoss, lossWeights, disposeWeights, type ChannelSpec, type LossWeights } from './channels.js';
import { readClock } from './clock.js';
import { lengthLoss } from './heads.js';
import { withDroppedConditions, type ConditionLayout } from './conditioning.js';
import { onePassPerPatient, privateStep, type PrivateStepSettings } from '../privacy/dpSgd.js';
import { perPatientGradients, rowOwners, type PerPatientGradients, type RowLayout } from '../privacy/perExample.js';
import { gaussianOf, posteriorMoments, shrinkToward, type LatentGaussian, type LatentMoments } from './latentPrior.js';
import type { Model, ModelPhase, ModelState } from './model.js';
import { adam, optimize, type LossParts } from './optimize.js';
import { readOut, sumAll } from './ops.js';
import { Params } from './params.js';
import { Rng } from '../common/rng.js';
import { generateVae } from './vaeGenerate.js';
import { vaeNetworks } from './vaeNetworks.js';
import { withinLogits } from './within.js';

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
  /**
   * The attributes the model is conditioned on (main/training/conditionInput.ts), in the order of its
   * condition input; absent or empty: none (runs from before conditions load and generate as trained).
   */
  conditions?: string[];
  /** Started from another run's weights: its recurrent cores (the encoder's and decoder's GRUs) take no update for this many first steps. */
  freeze?: number;
}

export type VaePhase = 'vae';

const VALIDATION_NOISE_SEED = 0x7a1d;

/** The reconstruction terms' weights of one batch. */
type BatchWeights = { step: LossWeights; statics: LossWeights; outcome: LossWeights };

/** A batch as the ELBO reads it: packed (packBatch), each patient with its posterior noise. */
type NoisyBatch = PackedBatch & { eps: Float32Array };

function noisyBatch(batch: MiniBatch, eps: Float32Array): NoisyBatch {
  const packed = packBatch(batch);
  return { ...packed, eps: reorderRows(eps, packed.order) };
}

/**
 * A sequential VAE: a GRU encoder reads the visits (with the statics) into a
 * latent patient; from it the decoder generates the statics once, the number
 * of steps, the steps themselves (a GRU fed its previous step, teacher-forced
 * in training) and, from the state after the last step, the outcome, so that
 * follow-up is tied to the generated timeline. Networks in vaeNetworks,
 * generation in vaeGenerate.
 */
export function buildVae(config: VaeConfig, spec: ChannelSpec, rng: Rng, conditions?: ConditionLayout): Model<VaePhase> {
  const C = spec.step.width;
  const S = spec.statics.width;
  const O = spec.outcome.width;
  const T = spec.maxLength;
  const Z = config.latent;
  const p = new Params(rng);
  const K = conditions?.width ?? 0;
  const net = vaeNetworks(config, spec, p, K);
  /** A batch's condition input ([B, K]; zeros where it has none: nothing given), or null for a model without one. */
  const conditionOf = (batch: MiniBatch) => (K ? tf.tensor2d(batch.conditions ?? new Float32Array(batch.size * K), [batch.size, K]) : null);
  const optimizer = adam(config.learningRate);

  /**
   * The weights of a batch's reconstruction terms (observed values, patterns); with `layout`, each
   * patient's own means (lossWeights' owners), for the sum of the patients' own losses.
   */
  const batchWeights = (packed: NoisyBatch, layout?: RowLayout): BatchWeights => {
    const B = packed.batch.size;
    const own = (rows: number) => (layout ? { of: rowOwners(layout, rows), patients: B } : undefined);
    return {
      step: lossWeights(spec.step, packed.x, packed.rows, undefined, packed.previous, own(packed.rows)),
      statics: lossWeights(spec.statics, packed.batch.statics, B, undefined, undefined, own(B)),
      outcome: lossWeights(spec.outcome, packed.batch.outcomes, B, undefined, undefined, own(B)),
    };
  };

  /** Per-batch weights of the reconstruction terms, disposed after use. */
  function withWeights<T>(packed: NoisyBatch, use: (w: BatchWeights) => T, layout?: RowLayout): T {
    const w = batchWeights(packed, layout);
    try {
      return use(w);
    } finally {
      disposeWeights(w.step);
      disposeWeights(w.statics);
      disposeWeights(w.outcome);
    }
  }

  /**
   * The negative ELBO of a batch with posterior noise `eps`: reconstruction of steps, statics,
   * outcome and length, plus beta times the KL term; with `sum`, summed over the patients instead
   * of averaged (the weights then each patient's own means: see batchWeights). Makes tensors:
   * call inside a tidy scope.
   */
  function elbo(packed: NoisyBatch, w: BatchWeights, sum = false): () => LossParts {
    const { batch, eps } = packed;
    const B = batch.size;
    const x = tf.tensor2d(batch.x, [T * B, C]);
    const previous = tf.tensor2d(batch.previous, [T * B, C]);
    const keep = tf.tensor2d(batch.keep, [T * B, 1]);
    const statics = tf.tensor2d(batch.statics, [B, S]);
    const outcomes = tf.tensor2d(batch.outcomes, [B, O]);
    const lengthTarget = tf.tensor2d(batch.lengthOneHot, [B, T]);
    const lengthScalar = tf.tensor2d(Float32Array.from(batch.lengths, (l) => l / T), [B, 1]);
    const noise = tf.tensor2d(eps, [B, Z]);
    const xPacked = tf.tensor2d(packed.x, [packed.rows, C]);
    const time = net.clock ? readClock(net.clock, batch.x, batch.lengths, T, C, batch.statics, S) : null;
    const condition = conditionOf(batch);
    return () => {
      const stats = net.encode(x, keep, statics, outcomes, lengthScalar, packed.counts, condition);
      const mu = tf.slice(stats, [0, 0], [-1, Z]);
      const logVar = tf.clipByValue(tf.slice(stats, [0, Z], [-1, Z]), -8, 8);
      const z = net.decoderLatent(tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), noise)) as tf.Tensor2D, condition);
      const h0 = net.initialState(z);
      const decoderInput = [previous, net.tileSteps(statics), net.tileSteps(z), ...(net.context ? [net.context(stepPosition(batch.lengths, T), time?.before ?? null)] : [])];
      const ds = net.decode(tf.concat(decoderInput, 1) as tf.Tensor2D, h0, packed.counts);
      const stepLogits = withinLogits(net.stepWithin, net.stepLogits(ds.packed), xPacked);
      const outcomeLogits = net.outcomeLogits(ds.last, z, statics, batch.last, time?.end ?? null);
      const step = partLoss(spec.step, stepLogits, xPacked, w.step, net.stepLogVar);
      const stat = partLoss(spec.statics, withinLogits(net.staticWithin, net.staticLogits(z), statics), statics, w.statics, net.staticLogVar);
      const outcome = partLoss(spec.outcome, outcomeLogits, outcomes, w.outcome, net.outcomeLogVar);
      const meanLength = lengthLoss(net.lengthLogits(z), lengthTarget);
      const length = sum ? (tf.mul(meanLength, B) as tf.Scalar) : meanLength;
      const klEach = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar)), 1));
      const kl = (sum ? tf.sum(klEach) : tf.mean(klEach)) as tf.Scalar;
      const total = sumAll([step, stat, outcome, length, tf.mul(kl, config.beta) as tf.Scalar]);
      return { total, parts: { step, statics: stat, outcome, length, kl } };
    };
  }

  /**
   * The own gradients of a share of a private step's patients, for DP-SGD: their posterior noise drawn
   * and their conditions dropped out as a training step draws them, then each patient's negative ELBO
   * differentiated, all in one batched pass that records each patient's gradients (the default), or
   * one pass per patient (`onePass`: the exact baseline, the same draws and the same gradients).
   */
  function ownGradients(data: TrainingData, share: number[], method: PrivateStepSettings['method']): PerPatientGradients {
    const eps = rng.normals(share.length * Z);
    const drawn = withDroppedConditions(batchOf(data, share), conditions, rng);
    if (method === 'onePass') {
      const K = conditions?.width ?? 0;
      return onePassPerPatient(net.vars, share.map((_, i) => i), (i) => {
        const one = batchOf(data, [share[i]!]);
        const packed = noisyBatch(drawn.conditions ? { ...one, conditions: drawn.conditions.slice(i * K, (i + 1) * K) } : one, eps.slice(i * Z, (i + 1) * Z));
        // The weights are made inside the gradient's scope, which disposes them.
        return elbo(packed, batchWeights(packed))().total;
      });
    }
    const packed = noisyBatch(drawn, eps);
    const layout = { patients: share.length, counts: packed.counts };
    return withWeights(packed, (w) => perPatientGradients(net.vars, layout, () => elbo(packed, w, true)().total), layout);
  }

  function privateTrainStep(patients: readonly number[], data: TrainingData, settings: PrivateStepSettings): Record<string, number> {
    // Shares of the step's patients small enough that their gradients, one copy of the weights each, stay under ~128 MiB;
    // patients with no steps apart (beside longer ones, their rows could not be told from the packed steps: see RowLayout).
    const share = Math.max(8, Math.floor(32_000_000 / Math.max(1, p.count())));
    const chunks = (ids: readonly number[]) => Array.from({ length: Math.ceil(ids.length / share) }, (_, i) => ids.slice(i * share, (i + 1) * share));
    const shares = [...chunks(patients.filter((id) => data.lengths[id]! > 0)), ...chunks(patients.filter((id) => data.lengths[id]! === 0))];
    const { norms, lossSum } = privateStep(optimizer, net.vars, shares.map((s) => () => ownGradients(data, s, settings.method)), settings, (k) => rng.normals(k));
    return { total: patients.length ? lossSum / patients.length : 0, patients: patients.length, clipped: norms.length ? norms.filter((n) => n > settings.clip).length / norms.length : 0 };
  }

  /** One step on the negative ELBO. */
  function trainStep(drawn: MiniBatch, step: number): Record<string, number> {
    const eps = rng.normals(drawn.size * Z);
    const packed = noisyBatch(withDroppedConditions(drawn, conditions, rng), eps);
    return withWeights(packed, (w) => tf.tidy(() => optimize(optimizer, net.vars, elbo(packed, w), step < (config.freeze ?? 0) ? isCore : undefined)));
  }
  /** The recurrent cores, which a run started from another keeps as they came while they are frozen. */
  const isCore = (name: string) => name.startsWith('enc.gru.') || name.startsWith('dec.gru.');

  /**
   * The negative ELBO of patients the model does not train on, the mean over them. The posterior
   * noise is the same at every call (a stream of its own, started afresh), so that two calls differ
   * only by the weights, and training's random stream is left where it was.
   */
  function validationLoss(data: TrainingData): number {
    const noise = new Rng(VALIDATION_NOISE_SEED);
    let sum = 0;
    for (let from = 0; from < data.n; from += 256) {
      const batch = batchOf(data, Array.from({ length: Math.min(256, data.n - from) }, (_, i) => from + i));
      const packed = noisyBatch(batch, noise.normals(batch.size * Z));
      sum += batch.size * withWeights(packed, (w) => readOut(() => elbo(packed, w)().total)[0]!);
    }
    return sum / data.n;
  }

  /** The encoder's posterior (mean and log-variance) of each patient of a batch. */
  function posterior(batch: MiniBatch): { mu: Float32Array; logVar: Float32Array } {
    const B = batch.size;
    const stats = readOut(() =>
      net.encode(
        tf.tensor2d(batch.x, [T * B, C]),
        tf.tensor2d(batch.keep, [T * B, 1]),
        tf.tensor2d(batch.statics, [B, S]),
        tf.tensor2d(batch.outcomes, [B, O]),
        tf.tensor2d(Float32Array.from(batch.lengths, (l) => l / T), [B, 1]),
        undefined,
        conditionOf(batch),
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

  /** The aggregate posterior's moments over `data` (read with the condition inputs it carries; none: nothing given). */
  function momentsOf(data: TrainingData): LatentMoments {
    const mu = new Float64Array(data.n * Z);
    const variance = new Float64Array(Z);
    for (let from = 0; from < data.n; from += 256) {
      const ids = Array.from({ length: Math.min(256, data.n - from) }, (_, i) => from + i);
      const post = posterior(batchOf(data, ids));
      mu.set(post.mu, from * Z);
      for (let i = 0; i < post.logVar.length; i++) variance[i % Z]! += Math.exp(Math.min(8, Math.max(-8, post.logVar[i]!))) / data.n;
    }
    return posteriorMoments(mu, data.n, Z, variance);
  }

  // Architecture 2 draws latent patients from the aggregate posterior of the training split (see latentPrior);
  // asked for patients meeting a condition, from that of the training patients who meet it, pulled toward the
  // whole split's as if Z more of its patients were among them.
  let latent: LatentGaussian | null = null;
  // The whole split's moments, kept for the data they were read from: each part of a balanced set fits again.
  let whole: { data: TrainingData; moments: LatentMoments } | null = null;
  function fitSampler(data: TrainingData, members?: TrainingData): void {
    if (config.architecture !== 2) return;
    if (whole?.data !== data) whole = { data, moments: momentsOf(data) };
    const wholeMoments = whole.moments;
    latent = gaussianOf(members ? shrinkToward(momentsOf(members), members.n, wholeMoments, Z) : wholeMoments, Z);
  }

  const phases: ModelPhase<VaePhase>[] = [{ name: 'vae', steps: config.steps, optimizers: ['vae'] }];
  return {
    family: 'vae',
    params: p,
    optimizers: { vae: optimizer },
    phases,
    trainStep: (_phase, batch, step) => trainStep(batch, step ?? 0),
    privateStep: (_phase, patients, data, settings) => privateTrainStep(patients, data, settings),
    state: (): ModelState => ({ rng: rng.seedState }),
    restore: (state) => {
      rng.seedState = state.rng;
    },
    validationLoss,
    fitSampler,
    generate: (n, sampler, condition) => generateVae(net, latent, n, sampler, condition),
    dispose: () => {
      p.dispose();
      optimizer.dispose();
    },
  };
}
