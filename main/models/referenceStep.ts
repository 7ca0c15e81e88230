import * as tf from '@tensorflow/tfjs-core';
import { dense, denseParams } from './dense.js';
import { gruParams, runGru } from './gru.js';
import { logisticLoss } from './heads.js';
import { adam, optimize } from './optimize.js';
import { Params } from './params.js';
import { Rng } from '../common/rng.js';

/*
 * The fixed reference training step that `npm run bench` times on every
 * backend and, the same step, in PyTorch (test/bench/reference_step.py): a
 * GRU sequence autoencoder (8 features, hidden 64, 48 steps, batch 128, Adam)
 * plus one update of a GRU discriminator, about 3 GFLOP.
 */
export const REFERENCE = { features: 8, hidden: 64, steps: 48, batch: 128 } as const;

export function referenceStep(seed = 1, size: { features: number; hidden: number; steps: number; batch: number } = REFERENCE) {
  const { features: F, hidden: H, steps: T, batch: B } = size;
  const rng = new Rng(seed);
  const p = new Params(rng);
  const encoder = gruParams(p, 'ae.enc', F, H);
  const decoder = gruParams(p, 'ae.dec', H, H);
  const out = denseParams(p, 'ae.out', H, F);
  const disc = gruParams(p, 'd.gru', F, H);
  const discOut = denseParams(p, 'd.out', H, 1);
  const aeOpt = adam(1e-3);
  const dOpt = adam(1e-3);
  const aeVars = p.of('ae.');
  const dVars = p.of('d.');
  const data = tf.tensor2d(rng.normals(T * B * F), [T * B, F]);
  const bce = (logits: tf.Tensor, label: number) => tf.mean(logisticLoss(logits, label)) as tf.Scalar;

  function step(): { ae: number; d: number } {
    return tf.tidy(() => {
      let reconstruction: tf.Tensor2D | null = null;
      const ae = optimize(aeOpt, aeVars, () => {
        const states = runGru(encoder, data, T, undefined, undefined, false).all;
        const decoded = runGru(decoder, states, T).all;
        reconstruction = dense(out, decoded);
        const loss = tf.mean(tf.square(tf.sub(reconstruction, data))) as tf.Scalar;
        reconstruction = tf.keep(reconstruction);
        return { total: loss, parts: {} };
      });
      const fake = reconstruction!;
      const d = optimize(dOpt, dVars, () => {
        const real = dense(discOut, runGru(disc, data, T, undefined, undefined, false).last);
        const synthetic = dense(discOut, runGru(disc, fake, T, undefined, undefined, false).last);
        return { total: tf.add(bce(real, 1), bce(synthetic, 0)) as tf.Scalar, parts: {} };
      });
      fake.dispose();
      return { ae: ae.total!, d: d.total! };
    });
  }
  return {
    step,
    dispose: () => {
      p.dispose();
      aeOpt.dispose();
      dOpt.dispose();
      data.dispose();
    },
  };
}
