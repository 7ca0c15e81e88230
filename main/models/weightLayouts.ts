import type { ChannelSpec } from './channels.js';
import type { VaeConfig } from './vae.js';

/*
 * What each row and column of a model's weights stands for, as data (issue 17:
 * a model started from another's weights keeps a weight's entry only where both
 * mean the same). A weight's rows and columns are runs of segments:
 *  - fixed: units of the model itself (hidden units, the latent, a step's position): the same in both where the widths agree;
 *  - input: the columns of an encoded part read as data (statics, a step, the outcome);
 *  - head: the logits of a part's output head (its bins, levels, flags);
 *  - logVar: a learned log-variance per column of a part;
 *  - steps: the length head's classes (t: t + 1 steps);
 *  - condition: the condition input: carried over only where both models are told the same attributes' levels;
 *  - fresh: never carried over.
 * `bias`: the weight's bias, which takes what re-basing an input row moves (x W + b with
 * x = a x' + c is x' (a W) + (b + c W)). A test checks each layout against the weights the
 * networks make, so the two cannot drift apart.
 */

export type Part = 'statics' | 'step' | 'outcome';
export type Segment = { fixed: number } | { input: Part } | { head: Part } | { logVar: Part } | { steps: number } | { condition: number } | { fresh: number };

export interface WeightLayout {
  rows: Segment[];
  cols: Segment[];
  bias?: string;
}

// Segments of no width are kept, so that two models' layouts line up segment by segment (a model without a condition input beside one with).
const fixed = (n: number): Segment[] => [{ fixed: n }];
const condition = (n: number): Segment[] => [{ condition: n }];

/** A dense layer's weight and bias: rows, columns. */
function denseLayout(out: Map<string, WeightLayout>, name: string, rows: Segment[], cols: Segment[]): void {
  out.set(`${name}.w`, { rows, cols, bias: `${name}.b` });
  out.set(`${name}.b`, { rows: fixed(1), cols });
}

/** A GRU's weights: input rows, hidden units. */
function gruLayout(out: Map<string, WeightLayout>, name: string, input: Segment[], H: number): void {
  for (const g of ['z', 'r', 'h']) {
    out.set(`${name}.w${g}`, { rows: input, cols: fixed(H), bias: `${name}.b${g}` });
    out.set(`${name}.u${g}`, { rows: fixed(H), cols: fixed(H) });
    out.set(`${name}.b${g}`, { rows: fixed(1), cols: fixed(H) });
  }
}

/** The VAE's weights (vaeNetworks), by name; `K`: its condition input's width. */
export function vaeLayouts(config: VaeConfig, spec: ChannelSpec, K: number): Map<string, WeightLayout> {
  const H = config.hidden;
  const Z = config.latent;
  const T = spec.maxLength;
  const clock = config.architecture === 2 && spec.clock ? 1 : 0;
  const E = config.architecture === 2 ? 2 + clock : 0;
  const latent: Segment[] = [...fixed(Z), ...condition(K)];
  const out = new Map<string, WeightLayout>();
  gruLayout(out, 'enc.gru', [{ input: 'step' }, { input: 'statics' }], H);
  denseLayout(out, 'enc.head.0', [...fixed(H), { input: 'statics' }, { input: 'outcome' }, ...fixed(1), ...condition(K)], fixed(H));
  denseLayout(out, 'enc.head.1', fixed(H), fixed(2 * Z));
  denseLayout(out, 'dec.static.0', latent, fixed(H));
  denseLayout(out, 'dec.static.1', fixed(H), [{ head: 'statics' }]);
  denseLayout(out, 'dec.length.0', latent, fixed(H));
  denseLayout(out, 'dec.length.1', fixed(H), [{ steps: T }]);
  denseLayout(out, 'dec.init', latent, fixed(H));
  gruLayout(out, 'dec.gru', [{ input: 'step' }, { input: 'statics' }, ...latent, ...fixed(E)], H);
  denseLayout(out, 'dec.step', fixed(H), [{ head: 'step' }]);
  if (config.architecture === 2) {
    out.set('dec.step.within', { rows: [{ input: 'step' }], cols: [{ head: 'step' }], bias: 'dec.step.b' });
    out.set('dec.static.within', { rows: [{ input: 'statics' }], cols: [{ head: 'statics' }], bias: 'dec.static.1.b' });
  }
  // The outcome head reads the state after the last step, the latent, the statics and (architecture 2) the last step and the time left after it.
  const L: Segment[] = config.architecture === 2 ? [{ input: 'step' }, ...fixed(clock)] : [{ fresh: 0 }, { fresh: 0 }];
  denseLayout(out, 'dec.outcome.0', [...fixed(H), ...latent, { input: 'statics' }, ...L], fixed(H));
  denseLayout(out, 'dec.outcome.1', fixed(H), [{ head: 'outcome' }]);
  out.set('dec.step.logvar', { rows: fixed(1), cols: [{ logVar: 'step' }] });
  out.set('dec.static.logvar', { rows: fixed(1), cols: [{ logVar: 'statics' }] });
  out.set('dec.outcome.logvar', { rows: fixed(1), cols: [{ logVar: 'outcome' }] });
  return out;
}

/** A segment's width, given the parts' data and head widths. */
export function segmentWidth(s: Segment, spec: ChannelSpec): number {
  if ('fixed' in s) return s.fixed;
  if ('fresh' in s) return s.fresh;
  if ('condition' in s) return s.condition;
  if ('steps' in s) return s.steps;
  if ('input' in s) return spec[s.input].width;
  if ('logVar' in s) return spec[s.logVar].width;
  return spec[s.head].headWidth;
}
