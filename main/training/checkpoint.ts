import * as tf from '@tensorflow/tfjs-core';
import type { Model, ModelState } from '../models/model.js';
import type { SavedTensor } from '../models/params.js';
import type { Rng } from '../common/rng.js';
import type { StoppingState } from './earlyStopping.js';

/*
 * Checkpoint blobs: a length-prefixed JSON header (name, shape, offset of each
 * tensor) followed by the float32 data. Weights and each optimizer's state
 * (Adam moments and iteration count) are saved this way; the rest of what the
 * next step depends on (the batch stream, the model's state) as JSON.
 */

export function packTensors(tensors: SavedTensor[]): Buffer {
  let offset = 0;
  const header = tensors.map((t) => {
    const entry = { name: t.name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return entry;
  });
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(4 + head.length + offset * 4);
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 4);
  let pos = 4 + head.length;
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
    pos += t.data.byteLength;
  }
  return out;
}

export function unpackTensors(blob: Buffer): SavedTensor[] {
  const headLength = blob.readUInt32LE(0);
  const header = JSON.parse(blob.subarray(4, 4 + headLength).toString('utf8')) as { name: string; shape: number[]; offset: number; length: number }[];
  const base = 4 + headLength;
  return header.map((h) => {
    const bytes = blob.subarray(base + h.offset * 4, base + (h.offset + h.length) * 4);
    // Copy into an aligned buffer: the blob's offset need not be a multiple of 4.
    const data = new Float32Array(h.length);
    new Uint8Array(data.buffer).set(bytes);
    return { name: h.name, shape: h.shape, data };
  });
}

export async function saveOptimizers(model: Model): Promise<Buffer> {
  const all: SavedTensor[] = [];
  for (const [key, opt] of Object.entries(model.optimizers)) {
    for (const w of await opt.getWeights()) {
      all.push({ name: `${key}/${w.name}`, shape: w.tensor.shape, data: Float32Array.from(await w.tensor.data()) });
    }
  }
  return packTensors(all);
}

export async function loadOptimizers(model: Model, blob: Buffer): Promise<void> {
  const byOptimizer = new Map<string, SavedTensor[]>();
  for (const t of unpackTensors(blob)) {
    const key = t.name.slice(0, t.name.indexOf('/'));
    const list = byOptimizer.get(key) ?? [];
    list.push({ ...t, name: t.name.slice(key.length + 1) });
    byOptimizer.set(key, list);
  }
  for (const [key, opt] of Object.entries(model.optimizers)) {
    const saved = byOptimizer.get(key);
    if (!saved) continue;
    const tensors = saved.map((s) => ({ name: s.name, tensor: tf.tensor(s.data, s.shape) }));
    await opt.setWeights(tensors);
    // setWeights copies into variables of its own.
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

/** The JSON part of a checkpoint (its rng_json): the position of the batch stream, the model's state (see Model.state) and, for a run stopping on a validation loss, where it stands. */
export function stateJson(dataRng: Rng, model: Model, stopping?: StoppingState): string {
  return JSON.stringify({ data: dataRng.seedState, model: model.state(), ...(stopping ? { stopping } : {}) });
}

/**
 * Restores what stateJson saved, and returns the stopping state where there is one.
 * Checkpoints from before model state kept only the model's random stream (a number).
 */
export function restoreState(json: string, dataRng: Rng, model: Model): StoppingState | undefined {
  const saved = JSON.parse(json) as { data: number; model: number | ModelState; stopping?: StoppingState };
  dataRng.seedState = saved.data;
  model.restore(typeof saved.model === 'number' ? { rng: saved.model } : saved.model);
  return saved.stopping;
}
