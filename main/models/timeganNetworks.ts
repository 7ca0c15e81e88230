import * as tf from '@tensorflow/tfjs-core';
import { stepPosition, type PackedBatch } from './minibatch.js';
import { lossWeights, partLoss, type ChannelSpec } from './channels.js';
import { readClock } from './clock.js';
import { dense, denseParams, mlp, mlpParams, type DenseWeights } from './dense.js';
import { gruParams, runGru, type GruWeights } from './gru.js';
import { runGruPacked, unpackSteps } from './gruPacked.js';
import { lengthLoss } from './heads.js';
import { rowOwners } from '../privacy/perExample.js';
import { sumAll, tileRows } from './ops.js';
import type { Params } from './params.js';
import type { TimeGanConfig } from './timegan.js';
import { within, withinLogits } from './within.js';

/*
 * The TimeGAN's networks and their forward passes: embedder and recovery (an
 * autoencoder into a latent sequence), supervisor (next latent step),
 * generator and discriminator on GRU cells. Statics and the number of steps
 * have a latent of their own, once per patient, that conditions every step.
 * The weights are made in a fixed order, which fixes their initial values.
 */
export type TimeGanNetworks = ReturnType<typeof timeGanNetworks>;

/** A GRU's input: per-step columns (`before`, `after`, time-major [T*B, n]) and, between them in its weights' rows, a patient's own columns ([B, n], the same at every step). */
interface GruInput {
  before: tf.Tensor2D;
  patient: tf.Tensor2D;
  after?: tf.Tensor2D;
}

/** Tensors of one minibatch (B patients), time-major where per step; made by TimeGanNetworks.inputs inside the caller's tidy scope. */
export interface TimeGanInputs {
  B: number;
  x: tf.Tensor2D;
  keep: tf.Tensor2D;
  statics: tf.Tensor2D;
  outcomes: tf.Tensor2D;
  /** One-hot of length - 1. */
  length: tf.Tensor2D;
  /** Each patient's last step. */
  last: tf.Tensor2D;
  /** With a clock, the share of the span left after the last step. */
  end: tf.Tensor2D | null;
  /** [B, K]: the condition input (conditioning.ts), dropped out as the batch was drawn; null for a model without one. */
  condition: tf.Tensor2D | null;
  position: tf.Tensor2D;
  /** The batch is sorted by length, longest first: patients per step (stepCounts), for the GRUs' packed runs. */
  counts: readonly number[];
  /** [sum of counts, C]: the real steps, packed (what the recovery's step head is trained on). */
  xPacked: tf.Tensor2D;
}

/** What generating a batch needs of it: how many patients, their lengths (one-hot, as a mask and as packed counts) and their condition. */
export type BatchShape = Pick<TimeGanInputs, 'B' | 'keep' | 'length' | 'counts' | 'condition'>;

/**
 * `K`: columns of the condition input (conditioning.ts), 0 for a model without one. A conditional
 * TimeGAN is a conditional GAN: the generator (static and sequence) and both discriminators read the
 * condition beside what they generate or judge, and the recovery's outcome head reads it too.
 */
export function timeGanNetworks(config: TimeGanConfig, spec: ChannelSpec, p: Params, K = 0) {
  const C = spec.step.width;
  const S = spec.statics.width;
  const O = spec.outcome.width;
  const T = spec.maxLength;
  const H = config.hidden;
  const N = config.noise;
  // Statics and length <-> a static latent of size H.
  const staticEmbed = mlpParams(p, 'emb.static', [S + T, H, H]);
  const SH = spec.statics.headWidth;
  const staticRecover = mlpParams(p, 'rec.static', [H, H, SH + T]);
  const staticGenerate = mlpParams(p, 'gen.static', [N + K, H, H]);
  const staticDiscriminate = mlpParams(p, 'dis.static', [H + K, H, 1]);
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
  const outcomeHead = mlpParams(p, 'rec.outcome', [H + H + L + K, H, spec.outcome.headWidth]);
  const generator = gruParams(p, 'gen.gru', N + H + T + K, H);
  const generatorOut = denseParams(p, 'gen.out', H, H);
  const supervisor = gruParams(p, 'sup.gru', H + H, H);
  const supervisorOut = denseParams(p, 'sup.out', H, H);
  const discriminator = gruParams(p, 'dis.gru', H + H + K, H);
  /** Columns joined with the condition, where the model has one. */
  const withCondition = (x: tf.Tensor2D, condition: tf.Tensor2D | null) => (condition ? (tf.concat([x, condition], 1) as tf.Tensor2D) : x);
  const discriminatorOut = denseParams(p, 'dis.out', H, 1);

  const tile = (x: tf.Tensor2D) => tileRows(x, T);
  /** A GRU's input as its weights read it: [before, patient's columns at every step, after] (see GruInput). */
  const tiled = ({ before, patient, after }: GruInput) => tf.concat([before, tile(patient), ...(after ? [after] : [])], 1) as tf.Tensor2D;
  /**
   * A GRU over a batch and a head on its states, time-major [T*B, n]: when the batch is sorted by length
   * and `counts` says so, both run on real steps only (runGruPacked, the patient's columns projected once)
   * and padded steps are zeros, which every loss here weighs 0 and no GRU reads; else the GRU runs masked
   * by `keep` on the patient's columns tiled. With `data`, the input is data to the gradient being taken
   * (made outside its tape): its gradient is not computed.
   */
  const headed = (w: GruWeights, input: GruInput, keep: tf.Tensor2D, counts: readonly number[] | undefined, head: (states: tf.Tensor2D) => tf.Tensor2D, width: number, data = false): tf.Tensor2D => {
    if (!counts) return head(runGru(w, tiled(input), T, keep, undefined, !data).all);
    const B = input.before.shape[0] / T;
    // No patient with a step (a private step's patients without any): nothing to run. A head on no rows would take its
    // bias's gradient as a sum over no rows, which the wasm backend does not make zero.
    if (!counts[0]) return tf.zeros([T * B, width]) as tf.Tensor2D;
    return unpackSteps(head(runPacked(w, input, counts, !data).packed), counts, B);
  };
  /** runGruPacked on a GruInput: the step columns joined, the patient's columns apart. */
  const runPacked = (w: GruWeights, { before, patient, after }: GruInput, counts: readonly number[], inputGradient = true) =>
    runGruPacked(w, after ? (tf.concat([before, after], 1) as tf.Tensor2D) : before, counts, tf.zeros([patient.shape[0], H]), inputGradient, { values: patient, at: before.shape[1] });
  /** A GRU and a sigmoid projection of its states: a latent sequence, time-major [T*B, H]. */
  const seq = (w: GruWeights, out: DenseWeights, input: GruInput, keep: tf.Tensor2D, counts?: readonly number[], data = false) =>
    headed(w, input, keep, counts, (s) => dense(out, s, 'sigmoid'), H, data);

  /** A packed batch's tensors (packBatch: sorted by length, longest first). */
  function inputs(packed: PackedBatch): TimeGanInputs {
    const { batch, counts } = packed;
    const B = batch.size;
    return {
      counts,
      xPacked: tf.tensor2d(packed.x, [packed.rows, C]),
      B,
      x: tf.tensor2d(batch.x, [T * B, C]),
      keep: tf.tensor2d(batch.keep, [T * B, 1]),
      statics: tf.tensor2d(batch.statics, [B, S]),
      outcomes: tf.tensor2d(batch.outcomes, [B, O]),
      length: tf.tensor2d(batch.lengthOneHot, [B, T]),
      last: tf.tensor2d(batch.last, [B, C]),
      end: clock ? tf.tensor2d(readClock(clock, batch.x, batch.lengths, T, C, batch.statics, S).end, [B, 1]) : null,
      position: tf.tensor2d(stepPosition(batch.lengths, T), [T * B, 2]),
      condition: K ? tf.tensor2d(batch.conditions ?? new Float32Array(B * K), [B, K]) : null,
    };
  }

  const embedStatic = (i: TimeGanInputs) => mlp(staticEmbed, tf.concat([i.statics, i.length], 1) as tf.Tensor2D, 'sigmoid');
  const embed = (i: TimeGanInputs, es: tf.Tensor2D) => seq(embedder, embedderOut, { before: i.x, patient: es }, i.keep, i.counts);
  const supervise = (hs: tf.Tensor2D, es: tf.Tensor2D, keep: tf.Tensor2D, counts?: readonly number[], data = false) =>
    seq(supervisor, supervisorOut, { before: hs, patient: es }, keep, counts, data);

  /** Recovery: latent steps -> step logits, and the state after the last step (what the outcome follows). */
  const recoveryInput = (hs: tf.Tensor2D, es: tf.Tensor2D, position: tf.Tensor2D): GruInput => ({ before: hs, patient: es, ...(P ? { after: position } : {}) });
  function recover(hs: tf.Tensor2D, es: tf.Tensor2D, keep: tf.Tensor2D, position: tf.Tensor2D) {
    const states = runGru(recovery, tiled(recoveryInput(hs, es, position)), T, keep);
    return { step: dense(recoveryOut, states.all), last: states.last };
  }
  /** The outcome from the state after the last step, the static latent, (architecture 2) the last step itself and its time, and the condition. */
  const outcomeOf = (last: tf.Tensor2D, es: tf.Tensor2D, lastStep: tf.Tensor2D, end: tf.Tensor2D | null, condition: tf.Tensor2D | null) =>
    mlp(outcomeHead, withCondition(tf.concat(L ? [last, es, lastStep, ...(end ? [end] : [])] : [last, es], 1) as tf.Tensor2D, condition));
  /** [B, SH + T]: the statics' head outputs, then the length logits. */
  const recoverStatic = (es: tf.Tensor2D) => mlp(staticRecover, es);

  /** A logit per step of a latent sequence: real or generated (`data`: see headed), told the patient's condition. */
  const discriminate = (hs: tf.Tensor2D, es: tf.Tensor2D, keep: tf.Tensor2D, counts: readonly number[] | undefined, data: boolean, condition: tf.Tensor2D | null): tf.Tensor2D =>
    headed(discriminator, { before: hs, patient: withCondition(es, condition) }, keep, counts, (s) => dense(discriminatorOut, s), 1, data);
  /** A logit per static latent, told the patient's condition. */
  const discriminateStatic = (es: tf.Tensor2D, condition: tf.Tensor2D | null) => mlp(staticDiscriminate, withCondition(es, condition));

  /** Static latents [n, H] from noise [n, N] and the condition. */
  const generateStatic = (noise: tf.Tensor2D, condition: tf.Tensor2D | null) => mlp(staticGenerate, withCondition(noise, condition), 'sigmoid');
  /** A latent sequence from per-step noise [T*n, N], conditioned on the static latent, the one-hot length [n, T] and the condition. */
  const generateSequence = (z: tf.Tensor2D, es: tf.Tensor2D, length: tf.Tensor2D, keep: tf.Tensor2D, counts: readonly number[] | undefined, condition: tf.Tensor2D | null) =>
    seq(generator, generatorOut, { before: z, patient: withCondition(tf.concat([es, length], 1) as tf.Tensor2D, condition) }, keep, counts);

  /** Generated patients of a batch's lengths and conditions: the static latent, the generator's latent sequence (e) and the supervisor's on it (h). */
  function generated(i: BatchShape, noise: Float32Array, staticNoise: Float32Array) {
    const es = generateStatic(tf.tensor2d(staticNoise, [i.B, N]), i.condition);
    const z = tf.tensor2d(noise, [T * i.B, N]);
    const e = generateSequence(z, es, i.length, i.keep, i.counts, i.condition);
    return { es, e, h: supervise(e, es, i.keep, i.counts) };
  }

  /**
   * Which targets of a packed batch count in the reconstruction (see lossWeights), its steps' on the
   * packed rows the recovery's step head reads in training; with `own`, each patient's own means
   * (the reconstruction then the sum of the patients' own losses, for DP-SGD); disposed by the caller.
   */
  const weightsOf = ({ batch: b, x, previous, rows, counts }: PackedBatch, own = false) => {
    const owners = (n: number) => (own ? { of: rowOwners({ patients: b.size, counts }, n), patients: b.size } : undefined);
    return {
      own,
      step: lossWeights(spec.step, x, rows, undefined, previous, owners(rows)),
      statics: lossWeights(spec.statics, b.statics, b.size, undefined, undefined, owners(b.size)),
      outcome: lossWeights(spec.outcome, b.outcomes, b.size, undefined, undefined, owners(b.size)),
    };
  };

  /** The recovery's loss on latents (hs, es) of a batch: steps, statics, outcome and length (the patients' own summed, where the weights are their own). */
  function reconstruction(i: TimeGanInputs, hs: tf.Tensor2D, es: tf.Tensor2D, w: ReturnType<typeof weightsOf>): tf.Scalar {
    // The recovery run packed: its step head and loss on real steps only (padding weighs nothing in the loss).
    const states = runPacked(recovery, recoveryInput(hs, es, i.position), i.counts);
    const r = { step: dense(recoveryOut, states.packed), last: states.last };
    const staticOut = recoverStatic(es);
    const stat = partLoss(spec.statics, withinLogits(staticWithin, tf.slice(staticOut, [0, 0], [-1, SH]) as tf.Tensor2D, i.statics), i.statics, w.statics);
    const meanLength = lengthLoss(tf.slice(staticOut, [0, SH], [-1, T]), i.length);
    const length = w.own ? (tf.mul(meanLength, i.B) as tf.Scalar) : meanLength;
    return sumAll([partLoss(spec.step, withinLogits(stepWithin, r.step, i.xPacked), i.xPacked, w.step), stat, partLoss(spec.outcome, outcomeOf(r.last, es, i.last, i.end, i.condition), i.outcomes, w.outcome), length]);
  }

  return {
    spec,
    /** Steps per patient (T). */
    steps: T,
    /** Width of the latents (H). */
    hidden: H,
    /** Noise per step and per patient (N). */
    noise: N,
    /** Columns of the condition input (K; 0 without one). */
    conditionWidth: K,
    clock,
    stepWithin,
    staticWithin,
    /** The weights each optimizer trains. */
    vars: {
      autoencoder: p.of('emb.', 'rec.'),
      generator: p.of('gen.', 'sup.'),
      supervised: p.of('sup.', 'gen.'),
      discriminator: p.of('dis.'),
      // A private run's (timeganPrivate): the supervisor learns from the patients in its own phase alone, the generator from the discriminator.
      supervisorOnly: p.of('sup.'),
      generatorOnly: p.of('gen.'),
    },
    inputs,
    weightsOf,
    embedStatic,
    embed,
    supervise,
    recover,
    recoverStatic,
    outcomeOf,
    reconstruction,
    discriminate,
    discriminateStatic,
    generateStatic,
    generateSequence,
    generated,
  };
}
