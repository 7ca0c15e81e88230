import * as tf from '@tensorflow/tfjs-core';
import { lengthProbabilities, logisticLoss, sampleLengths, weightedLogisticLoss } from './heads.js';
import { batchOf, lengthLayout, packBatch, stepCounts, type PackedBatch, type TrainingData } from './minibatch.js';
import { asData, readOut, sumAll } from './ops.js';
import { optimize } from './optimize.js';
import type { Rng } from '../common/rng.js';
import { onePassPerPatient, privateGradients, type PrivateStepSettings } from '../privacy/dpSgd.js';
import { perPatientGradients, type PerPatientGradients } from '../privacy/perExample.js';
import type { TimeGanPhase } from './timegan.js';
import type { BatchShape, TimeGanInputs, TimeGanNetworks } from './timeganNetworks.js';
import { nextStepLoss, ones, type GeneratorNoise, type TimeGanLossWeights } from './timeganSteps.js';
import { disposeWeights } from './channels.js';

/*
 * A TimeGAN trained with differential privacy (issue 16): every update that reads
 * a patient is a DP-SGD step, one Gaussian release per training step whatever
 * the phase, so the accountant counts steps as it does for the VAE.
 *  - embedding: the autoencoder (embedder and recovery) on each patient's reconstruction;
 *  - supervised: the supervisor alone on each patient's next latent steps;
 *  - joint: the autoencoder's loss and the discriminator's loss on the real patient,
 *    one gradient per patient over both networks' weights (clipped together, so one
 *    release); the discriminator's loss on generated patients reads no patient and
 *    is added exactly. The generator learns only through the discriminator and the
 *    supervisor (trained privately): no moment loss against real latents, its
 *    supervised loss on its own sequences, and generated patients' lengths drawn
 *    from the recovery's length head as generation draws them, never the batch's.
 * The patients' own gradients come from one batched backward pass that records them
 * (perExample.ts: each term a patient's own mean), or one pass per patient (the exact baseline).
 * The discriminator updates at every joint step: TimeGAN's rule (not while it is
 * winning) reads its loss on real patients, a decision outside the budget.
 */

/** Generated patients' shapes for a joint step: lengths as generation draws them, sorted longest first (packed), and their noise. */
export interface GeneratedShapes {
  shape: { B: number; keep: Float32Array; length: Float32Array; counts: number[] };
  noise: GeneratorNoise;
}

/** B generated patients' lengths (from the recovery's length head on their static latents) and noise, from the model's stream. */
export function generatedShapes(net: TimeGanNetworks, B: number, rng: Rng): GeneratedShapes {
  const T = net.steps;
  const N = net.noise;
  const SH = net.spec.statics.headWidth;
  const staticNoise = rng.uniform(B * N, 0, 1);
  const staticOut = readOut(() => net.recoverStatic(net.generateStatic(tf.tensor2d(staticNoise, [B, N]), null)));
  const drawn = sampleLengths(lengthProbabilities(staticOut, B, T, SH, SH + T), B, T, rng);
  // Longest first, each patient's static noise with it (the GRUs run packed).
  const order = Array.from(drawn.keys()).sort((a, b) => drawn[b]! - drawn[a]! || a - b);
  const lengths = Int32Array.from(order, (b) => drawn[b]!);
  const statics = new Float32Array(B * N);
  order.forEach((b, k) => statics.set(staticNoise.subarray(b * N, (b + 1) * N), k * N));
  const { keep, oneHot: length } = lengthLayout(lengths, T);
  return { shape: { B, keep, length, counts: stepCounts(lengths, T) }, noise: { steps: rng.uniform(T * B * N, 0, 1), statics } };
}

/** The shapes as tensors (inside the caller's tidy scope). */
const shapeTensors = (net: TimeGanNetworks, g: GeneratedShapes): BatchShape => ({
  B: g.shape.B,
  keep: tf.tensor2d(g.shape.keep, [net.steps * g.shape.B, 1]),
  length: tf.tensor2d(g.shape.length, [g.shape.B, net.steps]),
  counts: g.shape.counts,
  condition: null,
});

/** The discriminator's loss on generated patients (sequences before and after the supervisor, statics), as the generator's fool it (label) or it tells them (0). */
function onGenerated(net: TimeGanNetworks, s: BatchShape, g: GeneratedShapes, label: 0 | 1, data: boolean, weights: TimeGanLossWeights) {
  const fake = net.generated(s, g.noise.steps, g.noise.statics);
  const h = weightedLogisticLoss(net.discriminate(fake.h, fake.es, s.keep, s.counts, data, null), label, s.keep);
  const e = weightedLogisticLoss(net.discriminate(fake.e, fake.es, s.keep, s.counts, data, null), label, s.keep);
  const stat = weightedLogisticLoss(net.discriminateStatic(fake.es, null), label, ones(s.B));
  return { fake, h, e, stat, total: sumAll([h, tf.mul(e, weights.latentAdversarialWeight) as tf.Scalar, stat]) };
}

/** The generator's update of a private joint step: it fools the discriminator, and its sequences are ones the supervisor would predict. Reads no patient. */
export function privateGeneratorStep(net: TimeGanNetworks, optimizer: tf.Optimizer, g: GeneratedShapes, weights: TimeGanLossWeights): Record<string, number> {
  return tf.tidy(() =>
    optimize(optimizer, net.vars.generatorOnly, () => {
      const s = shapeTensors(net, g);
      const fooled = onGenerated(net, s, g, 1, false, weights);
      const sup = nextStepLoss(fooled.fake.e, fooled.fake.h, s.keep, net.steps);
      return { total: tf.add(fooled.total, tf.mul(tf.sqrt(tf.add(sup, 1e-8)), weights.supervisedWeight)) as tf.Scalar, parts: { adversarial: fooled.h, supervised: sup } };
    }),
  );
}

/** The discriminator's exact gradient on generated patients (their mean loss, labelled generated): no patient is read. */
function generatedGradient(net: TimeGanNetworks, g: GeneratedShapes, weights: TimeGanLossWeights): { grads: tf.NamedTensorMap; loss: number } {
  const { value, grads } = tf.variableGrads(() => onGenerated(net, shapeTensors(net, g), g, 0, true, weights).total, net.vars.discriminator);
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { grads, loss };
}

/**
 * Weights of the next latent steps a batch's supervisor is scored on ([(T-1) B, 1], time-major from
 * step 1): each patient's own mean over its steps after the first and the latent's H columns, as
 * nextStepLoss has for a batch of that patient alone.
 */
function ownNextStepWeights(lengths: Int32Array, T: number, H: number): tf.Tensor2D {
  const B = lengths.length;
  const w = new Float32Array(Math.max(0, T - 1) * B);
  for (let t = 1; t < T; t++) for (let b = 0; b < B; b++) if (t < lengths[b]!) w[(t - 1) * B + b] = 1 / ((lengths[b]! - 1) * H);
  return tf.tensor2d(w, [w.length, 1]);
}

/** Weights of a batch's steps ([T B, 1], time-major): each patient's own mean over its steps. */
function ownStepWeights(lengths: Int32Array, T: number): tf.Tensor2D {
  const B = lengths.length;
  const w = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t < lengths[b]!) w[t * B + b] = 1 / lengths[b]!;
  return tf.tensor2d(w, [T * B, 1]);
}

/**
 * The sum over a packed batch's patients of each one's own loss in a phase (the loss a batch of
 * that patient alone has): for one backward pass that records each patient's gradient, or, on a
 * batch of one, the exact baseline. Makes tensors: call inside the gradient's scope.
 */
function ownLossSum(net: TimeGanNetworks, phase: TimeGanPhase, packed: PackedBatch, weights: TimeGanLossWeights): tf.Scalar {
  const w = net.weightsOf(packed, true);
  try {
    const i: TimeGanInputs = net.inputs(packed);
    const T = net.steps;
    const H = net.hidden;
    const es = net.embedStatic(i);
    const hs = net.embed(i, es);
    const sup = () => {
      if (T < 2) return tf.scalar(0);
      const predicted = net.supervise(hs, es, i.keep, i.counts);
      const next = tf.slice(hs, [i.B, 0], [(T - 1) * i.B, H]);
      const guess = tf.slice(predicted, [0, 0], [(T - 1) * i.B, H]);
      return tf.sum(tf.mul(ownNextStepWeights(packed.batch.lengths, T, H), tf.square(tf.sub(next, guess)))) as tf.Scalar;
    };
    if (phase === 'supervised') return sup();
    const recon = net.reconstruction(i, hs, es, w);
    if (phase === 'embedding') return recon;
    // Joint: the autoencoder's loss, and the discriminator's on the real patients, reading their latents as data.
    const realH = asData(hs);
    const realS = asData(es);
    const realSteps = tf.sum(tf.mul(logisticLoss(net.discriminate(realH, realS, i.keep, i.counts, true, null), 1), ownStepWeights(packed.batch.lengths, T)));
    const realStatics = tf.sum(logisticLoss(net.discriminateStatic(realS, null), 1));
    return sumAll([recon, tf.mul(sup(), weights.embedderSupervisedWeight) as tf.Scalar, realSteps as tf.Scalar, realStatics as tf.Scalar]);
  } finally {
    disposeWeights(w.step);
    disposeWeights(w.statics);
    disposeWeights(w.outcome);
  }
}

/**
 * The own gradients of a share of a private step's patients: one backward pass over them all that
 * records each one's (the default; perExample.ts), or one pass per patient (`onePass`: the exact baseline).
 */
function ownGradients(net: TimeGanNetworks, vars: tf.Variable[], phase: TimeGanPhase, data: TrainingData, share: number[], weights: TimeGanLossWeights, method: PrivateStepSettings['method']): PerPatientGradients {
  if (method === 'onePass') return onePassPerPatient(vars, share, (id) => ownLossSum(net, phase, packBatch(batchOf(data, [id])), weights));
  const packed = packBatch(batchOf(data, share));
  // Plus nothing times a weight, as onePassPerPatient: patients whose loss reaches no weight (no next steps to predict) have zero gradients, not an error.
  return perPatientGradients(vars, { patients: share.length, counts: packed.counts }, () => tf.add(ownLossSum(net, phase, packed, weights), tf.mul(tf.sum(vars[0]!), 0)) as tf.Scalar);
}

export interface PrivateTimeGanOptimizers {
  embedding: tf.Optimizer;
  supervised: tf.Optimizer;
  generator: tf.Optimizer;
  discriminator: tf.Optimizer;
}

/** One private step of a phase on a Poisson sample of patients; the generated patients of a joint step and the noise come from `rng`. */
export function privateTimeGanStep(
  net: TimeGanNetworks,
  optimizers: PrivateTimeGanOptimizers,
  phase: TimeGanPhase,
  patients: readonly number[],
  data: TrainingData,
  settings: PrivateStepSettings,
  weights: TimeGanLossWeights,
  rng: Rng,
): Record<string, number> {
  const vars = phase === 'embedding' ? net.vars.autoencoder : phase === 'supervised' ? net.vars.supervisorOnly : [...net.vars.autoencoder, ...net.vars.discriminator];
  // Generated patients as many as a batch is expected to hold (not as many as were drawn, which would tell how many were).
  const generated = phase === 'joint' ? generatedShapes(net, Math.max(1, Math.round(settings.expectedBatch)), rng) : null;
  const figures: Record<string, number> = {};
  if (generated) {
    const g = privateGeneratorStep(net, optimizers.generator, generated, weights);
    Object.assign(figures, { generator: g.total!, adversarial: g.adversarial!, supervised: g.supervised! });
  }
  // Patients with no steps in a share of their own (beside longer ones their rows could not be told from the packed steps: see RowLayout).
  const shares = [patients.filter((id) => data.lengths[id]! > 0), patients.filter((id) => data.lengths[id]! === 0)].filter((s) => s.length);
  const { grads, norms, lossSum } = privateGradients(vars, shares.map((share) => () => ownGradients(net, vars, phase, data, share, weights, settings.method)), settings, (k) => rng.normals(k));
  try {
    const part = (of: tf.Variable[]) => Object.fromEntries(of.map((v) => [v.name, grads[v.name]!]));
    if (phase === 'supervised') optimizers.supervised.applyGradients(part(vars));
    else optimizers.embedding.applyGradients(part(net.vars.autoencoder));
    if (generated) {
      const onFake = generatedGradient(net, generated, weights);
      const summed = tf.tidy(() => Object.fromEntries(net.vars.discriminator.map((v) => [v.name, onFake.grads[v.name] ? tf.add(grads[v.name]!, onFake.grads[v.name]!) : tf.clone(grads[v.name]!)])));
      optimizers.discriminator.applyGradients(summed);
      tf.dispose([...Object.values(onFake.grads), ...Object.values(summed)]);
      figures.discriminatorGenerated = onFake.loss;
    }
  } finally {
    tf.dispose(Object.values(grads));
  }
  return { ...figures, total: patients.length ? lossSum / patients.length : 0, patients: patients.length, clipped: norms.length ? norms.filter((n) => n > settings.clip).length / norms.length : 0 };
}
