import * as tf from '@tensorflow/tfjs-core';
import type { Params } from './params.js';
import { GRU_CELL, GRU_CELL_GRAD, nativeKernelsInUse } from './nativeKernels.js';
import { matMulsTransposeA } from './ops.js';

/*
 * The cell, for an input x and state h (σ the logistic sigmoid, ⊙ elementwise):
 *   z  = σ(x Wz + h Uz + bz)             update gate: the share of the candidate taken
 *   r  = σ(x Wr + h Ur + br)             reset gate
 *   c  = tanh(x Wh + (r ⊙ h) Uh + bh)    candidate (reset applied before Uh)
 *   h' = (1 − z) ⊙ h + z ⊙ c
 * as Chung et al. (2014) write it; Keras and PyTorch name the other share z
 * (h' = z ⊙ h + (1 − z) ⊙ c). Past a sequence's end (keep = 0) z is taken as 0: h' = h.
 *
 * A GRU written for speed in TensorFlow.js, where per-kernel overhead
 * dominates small recurrent nets: the input projections of all steps are one
 * matmul per gate, the per-step inputs are a list made by one split (whose
 * gradient is one concat, not a padded copy per step), and the gates keep
 * separate matrices instead of one matrix sliced three ways.
 */

export interface GruWeights {
  hidden: number;
  wz: tf.Variable;
  wr: tf.Variable;
  wh: tf.Variable;
  uz: tf.Variable;
  ur: tf.Variable;
  uh: tf.Variable;
  bz: tf.Variable;
  br: tf.Variable;
  bh: tf.Variable;
}

export function gruParams(p: Params, name: string, inDim: number, hidden: number): GruWeights {
  return {
    hidden,
    wz: p.matrix(`${name}.wz`, inDim, hidden),
    wr: p.matrix(`${name}.wr`, inDim, hidden),
    wh: p.matrix(`${name}.wh`, inDim, hidden),
    uz: p.recurrent(`${name}.uz`, hidden),
    ur: p.recurrent(`${name}.ur`, hidden),
    uh: p.recurrent(`${name}.uh`, hidden),
    // z starts near σ(1) ≈ 0.73: a new cell takes most of its candidate each step (not a copy of its state, which would need a negative bias).
    bz: p.bias(`${name}.bz`, hidden, 1),
    br: p.bias(`${name}.br`, hidden),
    bh: p.bias(`${name}.bh`, hidden),
  };
}

/** Input projections of one step (or of all steps at once, stacked on the rows). */
export interface Projected {
  z: tf.Tensor2D;
  r: tf.Tensor2D;
  h: tf.Tensor2D;
}

export function project(w: GruWeights, x: tf.Tensor2D): Projected {
  return { z: tf.add(tf.matMul(x, w.wz), w.bz), r: tf.add(tf.matMul(x, w.wr), w.br), h: tf.add(tf.matMul(x, w.wh), w.bh) };
}

/** One step from projected inputs. `keep` [B,1] = 1 where the sequence goes on; elsewhere the state is carried. */
export function gruCell(w: GruWeights, x: Projected, h: tf.Tensor2D, keep?: tf.Tensor2D): tf.Tensor2D {
  const z = tf.sigmoid(tf.add(x.z, tf.matMul(h, w.uz)));
  const r = tf.sigmoid(tf.add(x.r, tf.matMul(h, w.ur)));
  const candidate = tf.tanh(tf.add(x.h, tf.matMul(tf.mul(r, h), w.uh)));
  const update = keep ? tf.mul(z, keep) : z;
  // h + update * (candidate - h): (1 - z) h + z candidate, frozen past the sequence's end.
  return tf.add(h, tf.mul(update, tf.sub(candidate, h)));
}

/** The states of a GRU run, time-major, and the state after the last step. */
export interface GruRun {
  /** [T*B, H]: rows t*B .. t*B+B-1 are the states after step t. */
  all: tf.Tensor2D;
  /** [B, H]: the state after the last step (after each sequence's end, with `keep`). */
  last: tf.Tensor2D;
}

/**
 * Runs the GRU over a time-major input [T*B, D] (rows t*B .. t*B+B-1 are step t).
 * `keep` [T*B, 1] is 1 while the sequence goes on; past its end the state is carried.
 */
export function runGru(w: GruWeights, x: tf.Tensor2D, steps: number, keep?: tf.Tensor2D, h0?: tf.Tensor2D, inputGradient = true): GruRun {
  const batch = x.shape[0] / steps;
  const start = h0 ?? tf.zeros([batch, w.hidden]);
  const mask = keep ?? tf.ones([steps * batch, 1]);
  const all = recordingGradients()
    ? (gruSequence(steps, inputGradient)(x, start, mask, w.wz, w.wr, w.wh, w.uz, w.ur, w.uh, w.bz, w.br, w.bh) as tf.Tensor2D)
    : tf.tidy(() => tf.concat(sequenceForward(steps, x, start, mask, w, null), 0) as tf.Tensor2D);
  return { all, last: tf.slice(all, [(steps - 1) * batch, 0], [batch, w.hidden]) };
}

/**
 * Whether a gradient tape is recording (inside tf.grads or tf.variableGrads). When none is, no
 * backward pass can follow, and the sequence ops run their forward pass alone: the same states,
 * without the tensors only the backward pass reads (half the kernels of a step) or customGrad's
 * copies of them. Generation runs so, and a training step's passes whose gradient no weight it
 * trains needs (see timeganSteps).
 */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/**
 * Splits a time-major [T*B, n] tensor into T tensors [B, n] through one read
 * of its values. Used only inside the sequence op, where nothing is
 * differentiated through it: on the wasm backend each `tf.slice` of a large
 * tensor copies the whole input (~1 ms for [6144, 64]); this is ~50x faster.
 */
function splitRows(t: tf.Tensor, parts: number): tf.Tensor2D[] {
  const data = t.dataSync() as Float32Array;
  const [rows, cols] = t.shape as [number, number];
  const size = (rows / parts) * cols;
  return Array.from({ length: parts }, (_, i) => tf.tensor2d(data.subarray(i * size, (i + 1) * size), [rows / parts, cols]));
}

/**
 * Kernels called directly (here and in gruPacked.ts), without the op wrappers' argument checks and 2D->3D
 * reshapes (2-8 us a call, thousands of calls a step): only in the sequence
 * op's loops, where every shape is known to fit.
 */
export const k = {
  add: (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel('Add', { a, b }) as tf.Tensor,
  sub: (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel('Sub', { a, b }) as tf.Tensor,
  mul: (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel('Multiply', { a, b }) as tf.Tensor,
  sigmoid: (x: tf.Tensor) => tf.engine().runKernel('Sigmoid', { x }) as tf.Tensor,
  square: (x: tf.Tensor) => tf.engine().runKernel('Square', { x }) as tf.Tensor,
  matMul: (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as tf.Tensor,
  /** Rows from..from+rows-1 of a 2D tensor. */
  rows: (x: tf.Tensor, from: number, rows: number) => tf.engine().runKernel('Slice', { x }, { begin: [from, 0], size: [rows, x.shape[1]!] }) as tf.Tensor,
};

/** Sums over rows as a [1, rows] x [rows, n] matmul: on wasm ~40x faster than tf.sum(x, 0). */
export function columnSums(x: tf.Tensor): tf.Tensor {
  const rows = x.shape[0]!;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), x as tf.Tensor2D), [x.shape[1]!]);
}

/** Per step of a run, what the forward pass made that its backward pass reads (lists: slicing them later would copy). */
export interface CellTape {
  /** The state before each step. */
  prev: tf.Tensor[];
  /** r h: what Uh multiplies. */
  rh: tf.Tensor[];
  /** u: the update gate z, times keep where there is a mask. */
  update: tf.Tensor[];
  /** z. */
  gate: tf.Tensor[];
  /** r. */
  reset: tf.Tensor[];
  /** c. */
  candidate: tf.Tensor[];
}

export const newCellTape = (): CellTape => ({ prev: [], rh: [], update: [], gate: [], reset: [], candidate: [] });

/** What the backward pass of a step multiplies by (see cellBackward). */
export interface CellFactors {
  /** dh -> d(candidate pre-activation): u (1 - c^2). */
  dCandidate: tf.Tensor;
  /** dh -> d(update pre-activation): (c - h) z (1 - z) keep. */
  dUpdate: tf.Tensor;
  /** d(r h) -> d(reset pre-activation): h r (1 - r). */
  dReset: tf.Tensor;
  /** dh -> dh_prev, directly: 1 - u. */
  carry: tf.Tensor;
  /** r. */
  reset: tf.Tensor;
}

/**
 * Step t's backward factors from what its forward pass made (a tape's lists, or saved copies of
 * them): made as the backward pass reaches the step. (Making them for all steps at once over the
 * rows stacked gives the same values, with fewer kernels but no faster here, and slower padded.)
 */
export function stepFactors(s: Omit<CellTape, 'rh'>, t: number): CellFactors {
  const [P, U, Z, R, C] = [s.prev[t]!, s.update[t]!, s.gate[t]!, s.reset[t]!, s.candidate[t]!];
  return {
    dCandidate: k.sub(U, k.mul(U, k.square(C))),
    dUpdate: k.mul(k.sub(C, P), k.sub(U, k.mul(U, Z))),
    dReset: k.mul(P, k.sub(R, k.square(R))),
    carry: k.sub(tf.scalar(1), U),
    reset: R,
  };
}

/** The recurrent matrices, or their transposes for the backward pass. */
interface Recurrent {
  uz: tf.Tensor;
  ur: tf.Tensor;
  uh: tf.Tensor;
}

/**
 * One cell step from a step's input projections (z, r, c) and the state h, for gruSequence and the
 * packed run (gruPacked.ts): the new state, with what its backward pass needs recorded on the tape.
 * `keep` [rows, 1] is 1 where the sequence goes on; null: every row goes on. With no tape (no
 * backward pass to follow), the new state alone.
 */
export function cellForward(tape: CellTape | null, u: Recurrent, h: tf.Tensor, z: tf.Tensor, r: tf.Tensor, c: tf.Tensor, keep: tf.Tensor | null, one: tf.Tensor, two: tf.Tensor): tf.Tensor {
  if (nativeKernelsInUse()) return nativeCellForward(tape, u, h, z, r, c, keep);
  const zt = k.sigmoid(k.add(z, k.matMul(h, u.uz)));
  const rt = k.sigmoid(k.add(r, k.matMul(h, u.ur)));
  const rht = k.mul(rt, h);
  // tanh(x) = 2 sigmoid(2x) - 1: the wasm backend's sigmoid is ~10x faster than its tanh.
  const ct = k.sub(k.mul(k.sigmoid(k.mul(k.add(c, k.matMul(rht, u.uh)), two)), two), one);
  const ut = keep ? k.mul(zt, keep) : zt;
  const diff = k.sub(ct, h);
  if (tape) {
    tape.prev.push(h);
    tape.rh.push(rht);
    tape.update.push(ut);
    tape.gate.push(zt);
    tape.reset.push(rt);
    tape.candidate.push(ct);
  }
  // h + u (c - h): (1 - z) h + z c, frozen past the sequence's end.
  return k.add(h, k.mul(ut, diff));
}

/**
 * One step back through the cell: from dh, the gradient of step t's states, the gradients of its
 * gates' pre-activations (dz, dr, dc: what the weight gradients sum over steps) and of the state before it.
 */
export function cellBackward(f: CellFactors, dh: tf.Tensor, uT: Recurrent): { dz: tf.Tensor; dr: tf.Tensor; dc: tf.Tensor; dhPrev: tf.Tensor } {
  const dc = k.mul(dh, f.dCandidate);
  const dz = k.mul(dh, f.dUpdate);
  const dRh = k.matMul(dc, uT.uh);
  const dr = k.mul(dRh, f.dReset);
  return { dz, dr, dc, dhPrev: k.add(k.add(k.mul(dh, f.carry), k.mul(dRh, f.reset)), k.add(k.matMul(dz, uT.uz), k.matMul(dr, uT.ur))) };
}

/** cellForward as one native kernel (nativeKernels.ts): the same arithmetic, without a kernel call per operation. */
function nativeCellForward(tape: CellTape | null, u: Recurrent, h: tf.Tensor, z: tf.Tensor, r: tf.Tensor, c: tf.Tensor, keep: tf.Tensor | null): tf.Tensor {
  const inputs = { z, r, c, h, uz: u.uz, ur: u.ur, uh: u.uh, ...(keep ? { keep } : {}) };
  const [hNew, zt, rt, rht, ct, ut] = tf.engine().runKernel(GRU_CELL, inputs) as tf.Tensor[];
  if (tape) {
    tape.prev.push(h);
    tape.rh.push(rht!);
    tape.update.push(ut ?? zt!);
    tape.gate.push(zt!);
    tape.reset.push(rt!);
    tape.candidate.push(ct!);
  } else tf.dispose([zt!, rt!, rht!, ct!, ...(ut ? [ut] : [])]);
  return hNew!;
}

/** The tape's lists a backward step reads (rh is read whole, by the weight gradient). */
const TAPE_LISTS = ['prev', 'update', 'gate', 'reset', 'candidate'] as const;
/** Those a sequence op stacks only for the native backward step: it saves prev stacked anyway, for the weight gradients. */
const STACKED_LISTS = ['update', 'gate', 'reset', 'candidate'] as const;

/** A list of [rows, H] tensors stacked on the rows (an empty list: [0, H]). */
export const stackRows = (list: tf.Tensor[], H: number): tf.Tensor => tf.concat(list.length ? list : [tf.zeros([0, H])], 0);

/**
 * A sequence's tape as its op saves it for the backward pass: per-step tensors (the wasm kernels'
 * path: slicing a stacked tensor there copies it whole), or, with the native kernels, each list
 * stacked once, which the native backward step reads in place at a row offset. The engine copies
 * every tensor an op saves: four tensors (and prev, stacked already) instead of five per step.
 */
export type SavedTape = { lists: Omit<CellTape, 'rh'> } | { stacked: Record<(typeof TAPE_LISTS)[number], tf.Tensor> };

/** The tensors to save of a tape (see SavedTape); `savedTape` reads them back. */
export function tapeToSave(tape: Omit<CellTape, 'rh'>, H: number): tf.Tensor[] {
  if (!nativeKernelsInUse()) return TAPE_LISTS.flatMap((name) => tape[name]);
  return STACKED_LISTS.map((name) => stackRows(tape[name], H));
}

/** The tape from the saved tensors tapeToSave made, for a run of `steps` steps whose states before each step the op saved stacked as `prev`. */
export function savedTape(saved: tf.Tensor[], steps: number, prev: tf.Tensor): SavedTape {
  if (nativeKernelsInUse()) return { stacked: { prev, ...(Object.fromEntries(STACKED_LISTS.map((name, i) => [name, saved[i]!])) as Record<(typeof STACKED_LISTS)[number], tf.Tensor>) } };
  return { lists: Object.fromEntries(TAPE_LISTS.map((name, i) => [name, saved.slice(i * steps, (i + 1) * steps)])) as Omit<CellTape, 'rh'> };
}

/**
 * Step t of a sequence's backward pass, from dh and the saved tape (its step t begins at stacked
 * row `row`): cellBackward(stepFactors(...)), or one native kernel reading the stacked tape in place.
 */
export function cellStepBack(s: SavedTape, t: number, row: number, dh: tf.Tensor, uT: Recurrent): { dz: tf.Tensor; dr: tf.Tensor; dc: tf.Tensor; dhPrev: tf.Tensor } {
  if ('lists' in s) return cellBackward(stepFactors(s.lists, t), dh, uT);
  const { prev, update, gate, reset, candidate } = s.stacked;
  const inputs = { dh, prev, update, gate, reset, candidate, uzT: uT.uz, urT: uT.ur, uhT: uT.uh };
  const [dz, dr, dc, dhPrev] = tf.engine().runKernel(GRU_CELL_GRAD, inputs, { tapeRow: row }) as tf.Tensor[];
  return { dz: dz!, dr: dr!, dc: dc!, dhPrev: dhPrev! };
}

/** The gate weights, as a GruWeights holds them or as a sequence op receives them. */
export type Gates = Record<'wz' | 'wr' | 'wh' | 'uz' | 'ur' | 'uh' | 'bz' | 'br' | 'bh', tf.Tensor>;

/** The forward pass of a masked sequence (time-major input [T*B, D]): the states after each step, recorded on `tape` if given. */
function sequenceForward(T: number, x: tf.Tensor, h0: tf.Tensor, keep: tf.Tensor, w: Gates, tape: CellTape | null): tf.Tensor[] {
  const zs = splitRows(tf.add(tf.matMul(x as tf.Tensor2D, w.wz as tf.Tensor2D), w.bz), T);
  const rs = splitRows(tf.add(tf.matMul(x as tf.Tensor2D, w.wr as tf.Tensor2D), w.br), T);
  const cs = splitRows(tf.add(tf.matMul(x as tf.Tensor2D, w.wh as tf.Tensor2D), w.bh), T);
  const keeps = splitRows(keep, T);
  const hs: tf.Tensor[] = [];
  const one = tf.scalar(1);
  const two = tf.scalar(2);
  let h = h0;
  for (let t = 0; t < T; t++) {
    h = cellForward(tape, w, h, zs[t]!, rs[t]!, cs[t]!, keeps[t]!, one, two);
    hs.push(h);
  }
  return hs;
}

const sequenceOps = new Map<string, (...args: tf.Tensor[]) => tf.Tensor>();

/**
 * What the forward pass saves for the backward pass, in customGrad's flat list: the whole-sequence
 * tensors named by position, then the tape (tapeToSave).
 */
const WHOLE = ['x', 'keep', 'uz', 'ur', 'uh', 'wz', 'wr', 'wh', 'prevAll', 'rh'] as const;
type Saved = Record<(typeof WHOLE)[number], tf.Tensor> & { tape: SavedTape };

function unpack(list: tf.Tensor[], T: number): Saved {
  const s = {} as Saved;
  WHOLE.forEach((k, i) => (s[k] = list[i]!));
  s.tape = savedTape(list.slice(WHOLE.length), T, s.prevAll);
  return s;
}

/**
 * The whole sequence as one differentiable op with a hand-written backward
 * pass (backpropagation through time). Why: autodiff of the cell runs every
 * recurrent matmul's gradient with transpose flags, which the wasm backend
 * computes ~9x slower than plain matmuls, and records ~40 kernels per step.
 * Here the transposes are made once per sequence, the per-step backward is
 * 11 kernels, and each weight gradient is one matmul over all steps.
 * With `inputGradient` false (the input is data, not a function of weights),
 * the gradient of the input is not computed at all (returned as zeros).
 */
function gruSequence(steps: number, inputGradient: boolean): (...args: tf.Tensor[]) => tf.Tensor {
  const key = `${steps}:${inputGradient}`;
  const cached = sequenceOps.get(key);
  if (cached) return cached;
  const T = steps;
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, h0, keep, wz, wr, wh, uz, ur, uh, bz, br, bh] = args as tf.Tensor2D[];
    const save = args[12] as (t: tf.Tensor[]) => void;
    const tape = newCellTape();
    const hs = sequenceForward(T, x!, h0!, keep!, { wz: wz!, wr: wr!, wh: wh!, uz: uz!, ur: ur!, uh: uh!, bz: bz!, br: br!, bh: bh! }, tape);
    const { prev, rh, update, gate, reset, candidate } = tape;
    const whole = { x: x!, keep: keep!, uz: uz!, ur: ur!, uh: uh!, wz: wz!, wr: wr!, wh: wh!, prevAll: tf.concat(prev, 0), rh: tf.concat(rh, 0) };
    save([...WHOLE.map((name) => whole[name]), ...tapeToSave({ prev, update, gate, reset, candidate }, h0!.shape[1])]);
    return {
      value: tf.concat(hs, 0),
      gradFunc: (dy: tf.Tensor, savedList: tf.Tensor[]) => {
        const saved = unpack(savedList, T);
        const dys = splitRows(dy, T);
        const uT = { uz: tf.transpose(saved.uz), ur: tf.transpose(saved.ur), uh: tf.transpose(saved.uh) };
        const gz: tf.Tensor[] = new Array(T);
        const gr: tf.Tensor[] = new Array(T);
        const gh: tf.Tensor[] = new Array(T);
        let dh: tf.Tensor = dys[T - 1]!;
        for (let t = T - 1; t >= 0; t--) {
          if (t < T - 1) dh = k.add(dh, dys[t]!);
          const back = cellStepBack(saved.tape, t, t * dh.shape[0]!, dh, uT);
          gz[t] = back.dz;
          gr[t] = back.dr;
          gh[t] = back.dc;
          dh = back.dhPrev;
        }
        const DZ = tf.concat(gz, 0);
        const DR = tf.concat(gr, 0);
        const DH = tf.concat(gh, 0);
        const dx = inputGradient
          ? tf.add(tf.add(tf.matMul(DZ, tf.transpose(saved.wz)), tf.matMul(DR, tf.transpose(saved.wr))), tf.matMul(DH, tf.transpose(saved.wh)))
          : tf.zerosLike(saved.x);
        return [
          dx,
          dh,
          tf.zerosLike(saved.keep),
          ...matMulsTransposeA(saved.x, [DZ, DR, DH]),
          ...matMulsTransposeA(saved.prevAll, [DZ, DR]),
          ...matMulsTransposeA(saved.rh, [DH]),
          columnSums(DZ),
          columnSums(DR),
          columnSums(DH),
        ];
      },
    };
  });
  sequenceOps.set(key, op as (...args: tf.Tensor[]) => tf.Tensor);
  return op as (...args: tf.Tensor[]) => tf.Tensor;
}
