import * as tf from '@tensorflow/tfjs-core';
import { cellForward, cellStepBack, columnSums, k, newCellTape, recordingGradients, savedTape, stackRows, tapeToSave, type CellTape, type Gates, type GruWeights } from './gru.js';
import { matMulsTransposeA } from './ops.js';
import { packRows } from './minibatch.js';
import { addPerPatient as recordPart, perExampleOuter, recordingPerPatient } from '../privacy/perExample.js';

/*
 * The GRU over packed sequences (PyTorch's pack_padded_sequence): for a batch
 * sorted by length, longest first, step t runs only the counts[t] patients who
 * have a step t (the first counts[t] rows), instead of all B with the rest
 * carried by a mask. On real cohorts most of a T*B batch is padding (the scale
 * cohort: 11 real steps of 48 on average), so this is most of the work saved,
 * with the same states and gradients as runGru's (gru.test.ts checks both).
 * The cell and its backward pass are gru.ts's, without the mask.
 */

/** A packed run: the states of real steps, and the state after each sequence's end. */
export interface PackedGruRun {
  /** [sum of counts, H]: step 0's counts[0] states, then step 1's counts[1], ... (the rows packRows keeps). */
  packed: tf.Tensor2D;
  /** [B, H]: the state after each sequence's last step (h0 for a sequence of no steps). */
  last: tf.Tensor2D;
}

/**
 * runGru over a time-major input [T*B, D] of a batch sorted by length (longest
 * first, `counts` from stepCounts): the states of real steps only, packed, and the
 * last states. Rows of `x` at padded steps are never read. With `patient`, `x` holds
 * the step columns only and the patient's own columns come apart (see PatientInput).
 */
export function runGruPacked(w: GruWeights, x: tf.Tensor2D, counts: readonly number[], h0: tf.Tensor2D, inputGradient = true, patient?: PatientInput): PackedGruRun {
  const values = patient?.values ?? tf.zeros([h0.shape[0], 0]);
  const at = patient?.at ?? x.shape[1];
  if (!recordingGradients()) {
    // No backward pass can follow (see recordingGradients): the forward pass alone.
    return tf.tidy(() => {
      const run = packedForward(counts, x, h0, w, null, values, at);
      return { packed: tf.concat(run.hs.length ? run.hs : [tf.zeros([0, w.hidden])], 0) as tf.Tensor2D, last: run.last as tf.Tensor2D };
    });
  }
  const rows = counts.reduce((a, b) => a + b, 0);
  const out = packedSequence(counts, inputGradient, at, recordingPerPatient() ? w : null)(x, h0, w.wz, w.wr, w.wh, w.uz, w.ur, w.uh, w.bz, w.br, w.bh, values) as tf.Tensor2D;
  return { packed: tf.slice(out, [0, 0], [rows, w.hidden]), last: tf.slice(out, [rows, 0], [h0.shape[0], w.hidden]) };
}

/**
 * Columns of a GRU's input that are the same at every step of a patient ([B, Dc]: a static latent, a
 * length), at rows at..at+Dc-1 of its input weights (the input being [step columns before them, these,
 * step columns after them]). Projected once per patient instead of once per step: on the scale cohort
 * a patient has 11 real steps on average, and half of most of TimeGAN's GRU inputs are such columns.
 */
export interface PatientInput {
  values: tf.Tensor2D;
  at: number;
}

/** A gate's input weights [D, H] cut into the rows the step columns multiply and the rows at..at+Dc-1 the patient's columns do. */
function cutWeights(w: tf.Tensor, at: number, Dc: number): { step: tf.Tensor2D; patient: tf.Tensor2D | null } {
  if (Dc === 0) return { step: w as tf.Tensor2D, patient: null };
  const D = w.shape[0]!;
  const parts = [...(at > 0 ? [tf.slice(w, [0, 0], [at, -1])] : []), ...(at + Dc < D ? [tf.slice(w, [at + Dc, 0], [D - at - Dc, -1])] : [])];
  return { step: (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor2D, patient: tf.slice(w, [at, 0], [Dc, -1]) as tf.Tensor2D };
}

/** The gradient of a whole [D, H] gate matrix from those of its two parts (cutWeights). */
function joinWeights(step: tf.Tensor, patient: tf.Tensor | null, at: number): tf.Tensor {
  if (!patient) return step;
  const Dx = step.shape[0]!;
  return tf.concat([...(at > 0 ? [tf.slice(step, [0, 0], [at, -1])] : []), patient, ...(at < Dx ? [tf.slice(step, [at, 0], [Dx - at, -1])] : [])], 0);
}

/** Adds each patient's row of `perPatient` [B, H] to its rows of the packed `values` [sum of counts, H], in place. */
function addPerPatient(values: Float32Array, perPatient: Float32Array, counts: readonly number[], H: number): void {
  let row = 0;
  for (const count of counts) {
    for (let b = 0; b < count; b++, row++) {
      const to = row * H;
      const from = b * H;
      for (let j = 0; j < H; j++) values[to + j]! += perPatient[from + j]!;
    }
  }
}

/** Per patient, the sum of its rows of a packed [sum of counts, H] array: [B, H]. */
function sumPerPatient(values: Float32Array, counts: readonly number[], B: number, H: number): Float32Array {
  const out = new Float32Array(B * H);
  let row = 0;
  for (const count of counts) {
    for (let b = 0; b < count; b++, row++) {
      const from = row * H;
      const to = b * H;
      for (let j = 0; j < H; j++) out[to + j]! += values[from + j]!;
    }
  }
  return out;
}

/**
 * The forward pass of a packed sequence: the input's real rows packed, the states of real steps
 * (a tensor per step), and the state after each sequence's end; recorded on `tape` if given.
 */
function packedForward(counts: readonly number[], x: tf.Tensor, h0: tf.Tensor, w: Gates, tape: CellTape | null, patient: tf.Tensor, at: number) {
  const steps = counts.filter((c) => c > 0).length;
  const rows = counts.reduce((a, b) => a + b, 0);
  const [B, H] = h0.shape as [number, number];
  const D = x.shape[1]!;
  const Dc = patient.shape[1]!;
  // The input projections of real steps only: one matmul per gate over the packed rows, plus each patient's own columns projected once.
  const xPacked = tf.tensor2d(packRows(x.dataSync() as Float32Array, D, B, counts), [rows, D]);
  const project = (wg: tf.Tensor, bg: tf.Tensor) => {
    const cut = cutWeights(wg, at, Dc);
    const values = tf.add(tf.matMul(xPacked, cut.step), bg).dataSync() as Float32Array;
    if (!cut.patient) return splitCounts(values, H, counts);
    // A copy: on some backends dataSync hands out the tensor's own storage.
    const summed = values.slice();
    addPerPatient(summed, tf.matMul(patient as tf.Tensor2D, cut.patient).dataSync() as Float32Array, counts, H);
    return splitCounts(summed, H, counts);
  };
  const zs = project(w.wz, w.bz);
  const rs = project(w.wr, w.br);
  const cs = project(w.wh, w.bh);
  const hs: tf.Tensor[] = [];
  // The last states of patients who have ended, in the order they ended (so rows from the bottom up).
  const ended: tf.Tensor[] = [];
  const one = tf.scalar(1);
  const two = tf.scalar(2);
  let h: tf.Tensor = h0;
  for (let t = 0; t < steps; t++) {
    const going = counts[t]!;
    if (going < h.shape[0]!) {
      ended.push(k.rows(h, going, h.shape[0]! - going));
      h = k.rows(h, 0, going);
    }
    // Every row here goes on: no mask.
    h = cellForward(tape, w, h, zs[t]!, rs[t]!, cs[t]!, null, one, two);
    hs.push(h);
  }
  return { xPacked, hs, last: tf.concat([h, ...ended.reverse()], 0) };
}

/**
 * A packed [sum of counts, n] tensor laid out time-major, [T*B, n], with zeros at padded
 * steps; differentiable (its gradient is the packed rows of the gradient). What lets a head run on
 * real steps only and hand its output on in the layout the rest of a network reads.
 */
export function unpackSteps(packed: tf.Tensor2D, counts: readonly number[], batch: number): tf.Tensor2D {
  const cols = packed.shape[1];
  const op = tf.customGrad((...args: unknown[]) => {
    const p = args[0] as tf.Tensor2D;
    return {
      value: tf.tensor2d(unpackRows(p.dataSync() as Float32Array, cols, batch, counts), [counts.length * batch, cols]),
      gradFunc: (dy: tf.Tensor) => tf.tensor2d(packRows(dy.dataSync() as Float32Array, cols, batch, counts), [p.shape[0], cols]),
    };
  });
  return op(packed) as tf.Tensor2D;
}

/** A packed [sum of counts, n] tensor as one tensor per step ([counts[t], n]), through one read of its values. */
function splitCounts(values: Float32Array, cols: number, counts: readonly number[]): tf.Tensor2D[] {
  let from = 0;
  return counts.map((count) => {
    const part = tf.tensor2d(values.subarray(from * cols, (from + count) * cols), [count, cols]);
    from += count;
    return part;
  });
}

/** The inverse of packRows: a time-major [T*B, cols] array with zeros at padded steps. */
function unpackRows(packed: Float32Array, cols: number, batch: number, counts: readonly number[]): Float32Array {
  const out = new Float32Array(counts.length * batch * cols);
  let from = 0;
  counts.forEach((count, t) => {
    out.set(packed.subarray(from * cols, (from + count) * cols), t * batch * cols);
    from += count;
  });
  return out;
}

/**
 * The packed sequence as one differentiable op (see gruSequence in gru.ts for
 * the backward pass it follows). Its value is [sum of counts + B, H]: the packed
 * states, then the last states. A patient whose last step is t leaves the batch
 * after it: its state then is its last state, and the gradient of that last
 * state joins the backward pass there.
 */
function packedSequence(counts: readonly number[], inputGradient: boolean, at: number, recordFor: GruWeights | null): (...args: tf.Tensor[]) => tf.Tensor {
  const steps = counts.filter((c) => c > 0).length;
  const rows = counts.reduce((a, b) => a + b, 0);
  // After step t the first next(t) patients go on; rows next(t)..counts[t]-1 end there.
  const next = (t: number) => (t + 1 < steps ? counts[t + 1]! : 0);
  return tf.customGrad((...args: unknown[]) => {
    const [x, h0, wz, wr, wh, uz, ur, uh, bz, br, bh, patient] = args as tf.Tensor2D[];
    const save = args[12] as (t: tf.Tensor[]) => void;
    const [B, H] = h0!.shape;
    const D = x!.shape[1];
    const Dc = patient!.shape[1];
    const tape = newCellTape();
    const { xPacked, hs, last } = packedForward(counts, x!, h0!, { wz: wz!, wr: wr!, wh: wh!, uz: uz!, ur: ur!, uh: uh!, bz: bz!, br: br!, bh: bh! }, tape, patient!, at);
    // Whole: what the weight gradients multiply by; then the tape (tapeToSave).
    const { prev, rh, update, gate, reset, candidate } = tape;
    save([xPacked, uz!, ur!, uh!, wz!, wr!, wh!, stackRows(prev, H), stackRows(rh, H), patient!, ...tapeToSave({ prev, update, gate, reset, candidate }, H)]);
    return {
      value: tf.concat([...hs, last], 0),
      gradFunc: (dy: tf.Tensor, savedList: tf.Tensor[]) => {
        const [xs, suz, sur, suh, swz, swr, swh, prevPacked, resetPrev, sp] = savedList as tf.Tensor2D[];
        const stepTape = savedTape(savedList.slice(10), steps, prevPacked!);
        // The packed row where each step's rows begin.
        const firstRow: number[] = [];
        counts.reduce((row, count) => (firstRow.push(row), row + count), 0);
        const dyData = dy.dataSync() as Float32Array;
        const dLast = dyData.subarray(rows * H);
        // Per step, the gradient reaching its states from outside: the packed output's, plus the
        // last state's for the patients whose last step it is.
        let from = 0;
        const outside = counts.slice(0, steps).map((count, t) => {
          const g = dyData.slice(from * H, (from + count) * H);
          from += count;
          for (let i = next(t) * H; i < count * H; i++) g[i]! += dLast[i]!;
          return tf.tensor2d(g, [count, H]);
        });
        const uT = { uz: tf.transpose(suz!), ur: tf.transpose(sur!), uh: tf.transpose(suh!) };
        const gz: tf.Tensor[] = new Array(steps);
        const gr: tf.Tensor[] = new Array(steps);
        const gh: tf.Tensor[] = new Array(steps);
        let dh: tf.Tensor | null = null;
        for (let t = steps - 1; t >= 0; t--) {
          // dh holds the gradient of step t's states from step t+1 (next(t) rows); the others ended at t.
          const going = next(t);
          const fromNext = dh === null ? null : going < counts[t]! ? tf.concat([dh, tf.zeros([counts[t]! - going, H])], 0) : dh;
          const dht = fromNext === null ? outside[t]! : k.add(fromNext, outside[t]!);
          const back = cellStepBack(stepTape, t, firstRow[t]!, dht, uT);
          gz[t] = back.dz;
          gr[t] = back.dr;
          gh[t] = back.dc;
          dh = back.dhPrev;
        }
        // h0: the first step's rows through the cell; the rest are patients with no step, whose last state is h0.
        const first = steps > 0 ? counts[0]! : 0;
        const dh0 = first === B ? dh! : tf.concat([...(dh && first > 0 ? [dh] : []), tf.tensor2d(dLast.slice(first * H, B * H), [B - first, H])], 0);
        if (steps === 0) return [tf.zerosLike(x!), dh0, ...[swz, swr, swh, suz, sur, suh].map((m) => tf.zerosLike(m!)), tf.zerosLike(bz!), tf.zerosLike(br!), tf.zerosLike(bh!), tf.zerosLike(sp!)];
        const DZ = tf.concat(gz, 0);
        const DR = tf.concat(gr, 0);
        const DH = tf.concat(gh, 0);
        const cuts = [swz!, swr!, swh!].map((wg) => cutWeights(wg, at, Dc));
        // A patient's columns reach every one of its steps: their gradients sum its rows' (per gate).
        const perPatient = Dc > 0 ? [DZ, DR, DH].map((G) => tf.tensor2d(sumPerPatient(G.dataSync() as Float32Array, counts, B, H), [B, H])) : null;
        const dx = inputGradient
          ? tf.tensor2d(unpackRows(tf.add(tf.add(tf.matMul(DZ, tf.transpose(cuts[0]!.step)), tf.matMul(DR, tf.transpose(cuts[1]!.step))), tf.matMul(DH, tf.transpose(cuts[2]!.step))).dataSync() as Float32Array, D, B, counts), [counts.length * B, D])
          : tf.zerosLike(x!);
        const dPatient =
          inputGradient && perPatient
            ? tf.add(tf.add(tf.matMul(perPatient[0]!, tf.transpose(cuts[0]!.patient!)), tf.matMul(perPatient[1]!, tf.transpose(cuts[1]!.patient!))), tf.matMul(perPatient[2]!, tf.transpose(cuts[2]!.patient!)))
            : tf.zerosLike(sp!);
        if (recordFor) {
          // The patients' parts are these weights' gradient (see recordingPerPatient): their own is zero.
          recordPerPatient(recordFor, { xs: xs!, prevPacked: prevPacked!, resetPrev: resetPrev!, sp: sp! }, [DZ, DR, DH], perPatient, at);
          return [dx, dh0, ...[wz!, wr!, wh!, uz!, ur!, uh!, bz!, br!, bh!].map((w) => tf.zerosLike(w)), dPatient];
        }
        const stepGrads = matMulsTransposeA(xs!, [DZ, DR, DH]);
        const patientGrads = perPatient ? matMulsTransposeA(sp!, perPatient) : null;
        const weightGrad = (g: number) => joinWeights(stepGrads[g]!, patientGrads ? patientGrads[g]! : null, at);
        return [
          dx,
          dh0,
          weightGrad(0),
          weightGrad(1),
          weightGrad(2),
          ...matMulsTransposeA(prevPacked!, [DZ, DR]),
          ...matMulsTransposeA(resetPrev!, [DH]),
          columnSums(DZ),
          columnSums(DR),
          columnSums(DH),
          dPatient,
        ];
      },
    };
  });
}

/**
 * Each patient's gradients of a packed run's weights (privacy/perExample.ts), from what its backward pass
 * multiplies: the packed inputs, the states before each step and r h, by the gates' pre-activation
 * gradients [DZ, DR, DH]; a patient's own columns (rows at..at+Dc-1 of the input weights) by `perPatient`.
 */
function recordPerPatient(w: GruWeights, saved: { xs: tf.Tensor; prevPacked: tf.Tensor; resetPrev: tf.Tensor; sp: tf.Tensor }, gates: tf.Tensor[], perPatient: tf.Tensor[] | null, at: number): void {
  const inputs = [w.wz, w.wr, w.wh];
  gates.forEach((G, g) => {
    const step = perExampleOuter(saved.xs, G);
    const patient = perPatient ? perExampleOuter(saved.sp, perPatient[g]!) : null;
    recordPart(inputs[g]!.name, patient ? joinPerPatient(step, patient, at) : step);
  });
  recordPart(w.uz.name, perExampleOuter(saved.prevPacked, gates[0]!));
  recordPart(w.ur.name, perExampleOuter(saved.prevPacked, gates[1]!));
  recordPart(w.uh.name, perExampleOuter(saved.resetPrev, gates[2]!));
  [w.bz, w.br, w.bh].forEach((b, g) => recordPart(b.name, perExampleOuter(null, gates[g]!)));
}

/** joinWeights per patient: [B, Dx, H] and [B, Dc, H] to [B, Dx + Dc, H], the patient's rows at `at`. */
function joinPerPatient(step: tf.Tensor3D, patient: tf.Tensor3D, at: number): tf.Tensor {
  const [B, Dx, H] = step.shape;
  return tf.concat([...(at > 0 ? [tf.slice(step, [0, 0, 0], [B, at, H])] : []), patient, ...(at < Dx ? [tf.slice(step, [0, at, 0], [B, Dx - at, H])] : [])], 1);
}
