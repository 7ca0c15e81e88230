import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../common/rng.js';

/**
 * Named trainable weights of a model, created with seeded initialisers, and
 * their serialisation for checkpoints (name, shape, float32 data).
 */
export class Params {
  readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  /** Glorot-uniform matrix [fanIn, fanOut]. */
  matrix(name: string, fanIn: number, fanOut: number): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return this.add(name, [fanIn, fanOut], this.rng.uniform(fanIn * fanOut, -limit, limit));
  }

  /** Orthogonal-ish recurrent matrix: scaled Glorot, which trains as well here and is cheap to make. */
  recurrent(name: string, size: number): tf.Variable {
    return this.matrix(name, size, size);
  }

  /** A matrix of zeros [rows, cols] (a term that starts switched off). */
  zeros(name: string, rows: number, cols: number): tf.Variable {
    return this.add(name, [rows, cols], new Float32Array(rows * cols));
  }

  bias(name: string, size: number, value = 0): tf.Variable {
    return this.add(name, [size], new Float32Array(size).fill(value));
  }

  private add(name: string, shape: number[], data: Float32Array): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter "${name}" defined twice`);
    const v = tf.variable(tf.tensor(data, shape), true, name);
    this.vars.set(name, v);
    return v;
  }

  /** Variables whose names start with one of the prefixes (one network of a model). */
  of(...prefixes: string[]): tf.Variable[] {
    return [...this.vars.entries()].filter(([n]) => prefixes.some((p) => n.startsWith(p))).map(([, v]) => v);
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  async save(): Promise<SavedTensor[]> {
    return Promise.all([...this.vars.entries()].map(async ([name, v]) => ({ name, shape: v.shape, data: (await v.data()) as Float32Array })));
  }

  load(saved: SavedTensor[]): void {
    for (const s of saved) {
      const v = this.vars.get(s.name);
      if (!v) throw new Error(`checkpoint has unknown parameter "${s.name}"`);
      tf.tidy(() => v.assign(tf.tensor(s.data, s.shape)));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

export interface SavedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}
