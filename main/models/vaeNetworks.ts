import * as tf from '@tensorflow/tfjs-core';
import type { ChannelSpec } from './channels.js';
import { dense, denseParams, mlp, mlpParams } from './dense.js';
import { gruCell, gruParams, project, runGru } from './gru.js';
import { runGruPacked } from './gruPacked.js';
import { tileRows } from './ops.js';
import type { Params } from './params.js';
import type { VaeConfig } from './vae.js';
import { within } from './within.js';

/*
 * The VAE's networks and their forward passes: a GRU encoder to the latent
 * patient's posterior; from the latent, heads for the statics and the number
 * of steps, a GRU decoder of the steps (fed its previous step) with its step
 * head, and the outcome head on the state after the last step. The weights are
 * made in a fixed order, which fixes their initial values.
 */
export type VaeNetworks = ReturnType<typeof vaeNetworks>;

/** `K`: columns of the condition input (conditioning.ts), 0 for a model without one; the decoder reads it beside the latent patient. */
export function vaeNetworks(config: VaeConfig, spec: ChannelSpec, p: Params, K = 0) {
  const C = spec.step.width;
  const S = spec.statics.width;
  const O = spec.outcome.width;
  const T = spec.maxLength;
  const H = config.hidden;
  const Z = config.latent;
  // What the decoder reads of a patient: the latent and the condition (ZK columns).
  const ZK = Z + K;
  const enc = gruParams(p, 'enc.gru', C + S, H);
  const encHead = mlpParams(p, 'enc.head', [H + S + O + 1 + K, H, 2 * Z]);
  const staticHead = mlpParams(p, 'dec.static', [ZK, H, spec.statics.headWidth]);
  const lengthHead = mlpParams(p, 'dec.length', [ZK, H, T]);
  const init = denseParams(p, 'dec.init', ZK, H);
  // Architecture 2: the decoder reads how many steps are left and how much time (see clock);
  // the outcome head reads the last step and the time left after it (follow-up ends on the calendar).
  const clock = config.architecture === 2 ? spec.clock : null;
  const E = config.architecture === 2 ? 2 + (clock ? 1 : 0) : 0;
  const L = config.architecture === 2 ? C + (clock ? 1 : 0) : 0;
  const dec = gruParams(p, 'dec.gru', C + S + ZK + E, H);
  const stepHead = denseParams(p, 'dec.step', H, spec.step.headWidth);
  // Architecture 2: heads autoregressive within a step and within the statics (see withinOrder).
  const stepWithin = config.architecture === 2 ? within(p, 'dec.step.within', spec.step) : null;
  const staticWithin = config.architecture === 2 ? within(p, 'dec.static.within', spec.statics) : null;
  const outcomeHead = mlpParams(p, 'dec.outcome', [H + ZK + S + L, H, spec.outcome.headWidth]);
  // A learned log-variance per real channel: a Gaussian likelihood, sampled at generation, so
  // generated values keep the spread (and tails) of the real ones instead of their conditional mean.
  const stepLogVar = p.bias('dec.step.logvar', C) as tf.Variable<tf.Rank.R1>;
  const staticLogVar = p.bias('dec.static.logvar', S) as tf.Variable<tf.Rank.R1>;
  const outcomeLogVar = p.bias('dec.outcome.logvar', O) as tf.Variable<tf.Rank.R1>;

  const tileSteps = (x: tf.Tensor2D) => tileRows(x, T);
  /** The outcome head's input: the state after the last step, the latent, the statics and (architecture 2) the last step and the time left after it. */
  const outcomeInput = (last: tf.Tensor2D, z: tf.Tensor2D, statics: tf.Tensor2D, lastSteps: Float32Array, end: Float32Array | null) =>
    tf.concat(L ? [last, z, statics, tf.tensor2d(lastSteps, [lastSteps.length / C, C]), ...(end ? [tf.tensor2d(end, [end.length, 1])] : [])] : [last, z, statics], 1) as tf.Tensor2D;

  return {
    spec,
    /** Steps per patient (T). */
    steps: T,
    /** Size of the latent patient (Z). */
    latent: Z,
    /** Columns of the condition input (K; 0 without one). */
    conditionWidth: K,
    /** What the decoder reads of a patient (its `z` argument below): the latent, then the condition where the model has one. */
    decoderLatent: (z: tf.Tensor2D, condition: tf.Tensor2D | null) => (condition ? (tf.concat([z, condition], 1) as tf.Tensor2D) : z),
    clock,
    stepWithin,
    staticWithin,
    stepLogVar,
    staticLogVar,
    outcomeLogVar,
    /** Every weight the optimizer trains. */
    vars: p.of('enc.', 'dec.'),
    tileSteps,
    /**
     * The encoder: a batch's steps, statics, outcomes and lengths to [B, 2Z] posterior statistics (means, then
     * log-variances). With `counts`, the batch is sorted by length and runs packed (runGruPacked), `keep` unread.
     * A conditional model's encoder also reads the condition it was given (so the latent need not hold it).
     */
    encode: (x: tf.Tensor2D, keep: tf.Tensor2D, statics: tf.Tensor2D, outcomes: tf.Tensor2D, lengthScalar: tf.Tensor2D, counts: readonly number[] | undefined, condition: tf.Tensor2D | null) => {
      const input = tf.concat([x, tileSteps(statics)], 1) as tf.Tensor2D;
      const last = counts ? runGruPacked(enc, input, counts, tf.zeros([statics.shape[0], H]), false).last : runGru(enc, input, T, keep, undefined, false).last;
      return mlp(encHead, tf.concat([last, statics, outcomes, lengthScalar, ...(condition ? [condition] : [])], 1));
    },
    staticLogits: (z: tf.Tensor2D) => mlp(staticHead, z),
    lengthLogits: (z: tf.Tensor2D) => mlp(lengthHead, z),
    /** The decoder's state before the first step. */
    initialState: (z: tf.Tensor2D) => dense(init, z, 'tanh'),
    /** [rows, E]: a step's position (share of steps left, last or not) and, with a clock, the share of time left before it; E is 0 before architecture 2. */
    context: E
      ? (position: Float32Array, before: Float32Array | null) => {
          const rows = position.length / 2;
          const out = new Float32Array(rows * E);
          for (let r = 0; r < rows; r++) {
            out[r * E] = position[r * 2]!;
            out[r * E + 1] = position[r * 2 + 1]!;
            if (before) out[r * E + 2] = before[r]!;
          }
          return tf.tensor2d(out, [rows, E]);
        }
      : null,
    /**
     * The decoder over all steps (teacher-forced: `input` holds each step's previous step), from `h0`,
     * for a batch sorted by length: the states of real steps, packed (see runGruPacked), and the last.
     */
    decode: (input: tf.Tensor2D, h0: tf.Tensor2D, counts: readonly number[]) => runGruPacked(dec, input, counts, h0),
    /** One decoder step (generation). */
    decodeStep: (input: tf.Tensor2D, h: tf.Tensor2D, keep: tf.Tensor2D) => gruCell(dec, project(dec, input), h, keep),
    /** The step head of decoder states (rows: packed real steps in training, one step per patient in generation). */
    stepLogits: (states: tf.Tensor2D) => dense(stepHead, states),
    outcomeLogits: (last: tf.Tensor2D, z: tf.Tensor2D, statics: tf.Tensor2D, lastSteps: Float32Array, end: Float32Array | null) => mlp(outcomeHead, outcomeInput(last, z, statics, lastSteps, end)),
  };
}
