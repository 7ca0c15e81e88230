import * as tf from '@tensorflow/tfjs-core';

/*
 * Per-patient gradients from one batched backward pass (issue 16, item 1), for
 * DP-SGD: TensorFlow.js has no vmap, and a backward pass per patient costs
 * about what a whole batch's does (the time is in kernel calls, not
 * arithmetic). Every weight of the models here reaches a patient's loss
 * through a product x W (dense layers, the GRU gates, the within-step
 * matrix) or as a bias or vector added to each row, and no row mixes two
 * patients. So the gradient of a batch's summed loss for W is a sum over rows
 * of x_r ⊗ g_r (x the layer's input row, g the gradient reaching its output
 * row), and the patient's own gradient is that sum over its rows alone. The
 * ops that use a weight record, while a recorder is active, each patient's
 * sum over its rows (perExampleOuter); the patient's gradients are then exact,
 * not estimated, and are the weight's gradient: the recording op gives the
 * engine zero for it. A weight used by an op that does not record would be
 * missed, so perPatientGradients refuses a step where the engine still has a
 * gradient for any weight.
 */

/**
 * Where a batch's rows come from: `patients` patients sorted by length, longest first, and per step how many have it
 * (packed rows, see packBatch). A tensor's rows are told apart by their number: one per patient, or one per packed
 * step; a batch where the two numbers are equal but the layouts differ (patients with no steps beside longer ones)
 * is refused, and a model gives its patients with no steps a batch of their own.
 */
export interface RowLayout {
  patients: number;
  counts: readonly number[];
}

/** Per patient of a batch, the gradient of its own loss for each weight ([B, weight size], by weight name); and the sum of their losses. */
export interface PerPatientGradients {
  patients: number;
  grads: Map<string, tf.Tensor2D>;
  lossSum: number;
}

/**
 * For a batch's rows of one kind (one per patient, or the packed steps), the row each patient's
 * k-th row is, padded to the most rows a patient has with `rows` (past the last row: none, zeros).
 */
interface RowOwners {
  index: Int32Array;
  perPatient: number;
}

function ownersOf(layout: RowLayout, rows: number): RowOwners {
  const B = layout.patients;
  const packedRows = layout.counts.reduce((a, c) => a + c, 0);
  if (rows === B) {
    // As many packed rows as patients: the same layout when every patient has one step; else (some have
    // none, others more) which layout a tensor has cannot be told by its rows (see RowLayout).
    if (rows === packedRows && layout.counts.some((c, t) => c !== (t === 0 ? B : 0))) {
      throw new Error(`A batch of ${B} patients with ${packedRows} steps in all, some patients with none: a tensor of ${rows} rows could be either layout. Give the patients with no steps a batch of their own.`);
    }
    return { index: Int32Array.from({ length: B }, (_, b) => b), perPatient: 1 };
  }
  if (rows !== packedRows) throw new Error(`A weight's input has ${rows} rows, neither the batch's ${B} patients nor its ${packedRows} packed steps: its per-patient gradient cannot be read.`);
  const steps = layout.counts.filter((c) => c > 0).length;
  const index = new Int32Array(B * steps).fill(rows);
  let first = 0;
  layout.counts.forEach((count, t) => {
    // Step t's rows are its first `count` patients, in order.
    for (let b = 0; b < count; b++) index[b * steps + t] = first + b;
    first += count;
  });
  return { index, perPatient: steps };
}

/** The patient each of a batch's `rows` rows belongs to (one row per patient, or the packed steps). */
export function rowOwners(layout: RowLayout, rows: number): Int32Array {
  const { index } = ownersOf(layout, rows);
  const owner = new Int32Array(rows);
  index.forEach((row, k) => {
    if (row < rows) owner[row] = Math.floor(k / (index.length / layout.patients));
  });
  return owner;
}

/**
 * A [rows, n] tensor as [B, rows a patient has at most, n], each patient's rows in order, zeros after them:
 * copied row by row from one read of its values (on wasm ~20x faster than a padding concat and a gather).
 */
function perPatientRows(x: tf.Tensor, owners: RowOwners, B: number): tf.Tensor3D {
  const [rows, n] = x.shape as [number, number];
  if (owners.perPatient === 1 && rows === B) return tf.reshape(x, [B, 1, n]);
  const values = x.dataSync() as Float32Array;
  const out = new Float32Array(owners.index.length * n);
  owners.index.forEach((row, k) => {
    if (row < rows) out.set(values.subarray(row * n, (row + 1) * n), k * n);
  });
  return tf.tensor3d(out, [B, owners.perPatient, n]);
}

class Recorder {
  readonly pieces = new Map<string, tf.Tensor[]>();
  private readonly owners = new Map<number, RowOwners>();
  // A backward pass multiplies one tensor by several (a GRU's inputs by its three gates' gradients): each laid out per patient once.
  private readonly laidOut = new Map<number, tf.Tensor3D>();

  constructor(readonly layout: RowLayout) {}

  rowsOf(rows: number): RowOwners {
    let o = this.owners.get(rows);
    if (!o) this.owners.set(rows, (o = ownersOf(this.layout, rows)));
    return o;
  }

  /** `x` [rows, n] as [B, rows a patient has at most, n] (perPatientRows), made once per tensor of the pass. */
  perPatient(x: tf.Tensor): tf.Tensor3D {
    let out = this.laidOut.get(x.id);
    if (!out) this.laidOut.set(x.id, (out = tf.keep(perPatientRows(x, this.rowsOf(x.shape[0]!), this.layout.patients))));
    return out;
  }

  add(name: string, piece: tf.Tensor): void {
    const list = this.pieces.get(name) ?? [];
    list.push(tf.keep(tf.reshape(piece, [this.layout.patients, -1])));
    this.pieces.set(name, list);
  }

  dispose(): void {
    for (const list of this.pieces.values()) tf.dispose(list);
    this.pieces.clear();
    tf.dispose([...this.laidOut.values()]);
    this.laidOut.clear();
  }
}

let active: Recorder | null = null;

/**
 * Whether the ops that use weights are to record per-patient gradients (inside perPatientGradients' backward pass).
 * An op that records a weight's parts returns zero as that weight's own gradient: the parts are its gradient, and
 * whatever the engine still sums for a weight came from a use that did not record, which perPatientGradients refuses.
 */
export const recordingPerPatient = (): boolean => active !== null;

/**
 * Each patient's sum over its rows of x_r ⊗ g_r, [B, in, out], for a product x W whose output's gradient
 * is g ([rows, in] and [rows, out]); x null: a bias added to each row ([B, 1, out], the sum of its rows of g).
 */
export function perExampleOuter(x: tf.Tensor | null, g: tf.Tensor): tf.Tensor3D {
  const r = active!;
  if (x !== null && x.shape[0] !== g.shape[0]) throw new Error(`A product's input has ${x.shape[0]} rows and its gradient ${g.shape[0]}: not one row each.`);
  const gp = r.perPatient(g);
  if (x === null) return tf.sum(gp, 1, true) as tf.Tensor3D;
  return tf.matMul(r.perPatient(x), gp, true, false);
}

/** Adds to weight `name`'s per-patient gradient a part ([B, ...] in the weight's element order): called by an op's backward pass while recording. */
export function addPerPatient(name: string, piece: tf.Tensor): void {
  if (!active) throw new Error('addPerPatient called with no recorder active');
  active.add(name, piece);
}

/**
 * The per-patient gradients of `vars` from one backward pass of `loss`, the sum of the batch's
 * patients' own losses (its rows laid out as `layout`). Refuses (throws) where the engine has a
 * gradient of its own for a weight: an op used that weight without recording.
 */
export function perPatientGradients(vars: tf.Variable[], layout: RowLayout, loss: () => tf.Scalar): PerPatientGradients {
  if (active) throw new Error('per-patient gradients are already being recorded');
  const recorder = new Recorder(layout);
  active = recorder;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(loss, vars);
  } catch (err) {
    recorder.dispose();
    throw err;
  } finally {
    active = null;
  }
  const grads = new Map<string, tf.Tensor2D>();
  const lossSum = result.value.dataSync()[0]!;
  try {
    for (const v of vars) {
      const pieces = recorder.pieces.get(v.name) ?? [];
      // A copy even of a lone part: the recorder's parts are disposed below.
      grads.set(v.name, tf.tidy(() => (pieces.length ? pieces.slice(1).reduce((a, b) => tf.add(a, b), tf.clone(pieces[0]!)) : tf.zeros([layout.patients, v.size])) as tf.Tensor2D));
    }
    checkNothingElse(vars, result.grads);
  } catch (err) {
    tf.dispose([...grads.values()]);
    throw err;
  } finally {
    recorder.dispose();
    tf.dispose(result.value);
    tf.dispose(Object.values(result.grads));
  }
  return { patients: layout.patients, grads, lossSum };
}

/** Throws unless the engine's own gradient of every weight is zero: no op used it without recording its patients' parts. */
function checkNothingElse(vars: tf.Variable[], batch: tf.NamedTensorMap): void {
  for (const v of vars) {
    const g = batch[v.name];
    if (!g) continue;
    const values = g.dataSync() as Float32Array;
    let largest = 0;
    for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]!));
    if (largest > 0) {
      throw new Error(`Weight "${v.name}" reaches the loss through an op that does not record per-patient gradients (a gradient of up to ${largest.toExponential(2)} outside them): a private step cannot clip what it does not see.`);
    }
  }
}
