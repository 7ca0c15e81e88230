import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gruParams, runGru } from '../../main/models/gru.js';
import { runGruPacked, unpackSteps } from '../../main/models/gruPacked.js';
import { stepCounts } from '../../main/models/minibatch.js';
import { nativeKernelsInUse, useNativeKernels, withoutNativeKernels } from '../../main/models/nativeKernels.js';
import { Params } from '../../main/models/params.js';
import { Rng } from '../../main/common/rng.js';
import { selectBackend } from '../../main/training/backend.js';
import { ROOT } from '../support/store.js';

beforeAll(async () => {
  await selectBackend('wasm');
  const native = useNativeKernels();
  // npm install builds them wherever a C compiler is (CI has one): their absence here is a failure, not a skip.
  if (!native.used) throw new Error(`the native kernels are not in use: ${native.why}; run "npm rebuild @synthehr/native-kernels"`);
});

/**
 * a·b as kernels.c defines its order, in float32 at every step: within a block of 256 terms the
 * products are summed in order from 0, the blocks' sums added in order; a row vector times a
 * matrix with contiguous rows (not transposed) sums all its terms in order. Equal to the bit, on any CPU.
 */
function definedOrderProduct(a: Float32Array, b: Float32Array, m: number, n: number, k: number, at: (i: number, j: number) => number, bt: (i: number, j: number) => number, oneBlock: boolean): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(m * n);
  const block = oneBlock ? k : 256;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let total = 0;
      for (let k0 = 0; k0 < k; k0 += block) {
        let acc = 0;
        for (let kk = k0; kk < Math.min(k, k0 + block); kk++) acc = f(acc + f(a[at(i, kk)]! * b[bt(kk, j)]!));
        total = k0 === 0 ? acc : f(total + acc);
      }
      out[i * n + j] = total;
    }
  return out;
}

describe('the native matrix product', () => {
  const shapes: [number, number, number][] = [
    [1, 64, 300], // a row vector: its own loop
    [7, 17, 5], // a partial micro-tile of rows and a partial panel of columns
    [64, 48, 300], // two blocks of the sum
    [128, 16, 8],
  ];
  for (const [m, n, k] of shapes)
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const)
      it(`sums in its defined order, to the bit: [${m}x${k}]${ta ? 'ᵀ' : ''} · [${k}x${n}]${tb ? 'ᵀ' : ''}`, () => {
        const rng = new Rng(m * 1000 + n + k + (ta ? 7 : 0) + (tb ? 13 : 0));
        const a = Float32Array.from(rng.normals(m * k));
        const b = Float32Array.from(rng.normals(k * n));
        const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb).dataSync());
        const want = definedOrderProduct(a, b, m, n, k, ta ? (i, j) => j * m + i : (i, j) => i * k + j, tb ? (i, j) => j * k + i : (i, j) => i * n + j, m === 1 && !tb);
        expect(Array.from(got)).toEqual(Array.from(want));
      });

  it('multiplies a batch of matrices by one matrix, as the wasm kernel does', () => {
    const rng = new Rng(3);
    const a = tf.tensor3d(rng.normals(3 * 5 * 6), [3, 5, 6]);
    const b = tf.tensor3d(rng.normals(6 * 4), [1, 6, 4]);
    const native = tf.matMul(a, b);
    const wasm = withoutNativeKernels(() => tf.matMul(a, b));
    expect(native.shape).toEqual([3, 5, 4]);
    const [x, y] = [native.dataSync(), wasm.dataSync()];
    for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(y[i]!, 5);
    tf.dispose([a, b, native, wasm]);
  });
});

describe('the fused GRU cell', () => {
  /** The loss and every gradient (weights, input, first state) of a seeded GRU run, padded or packed, with or without the native kernels. */
  function run(packed: boolean, native: boolean) {
    const go = () => {
      const rng = new Rng(21);
      const p = new Params(rng);
      const [T, D, H] = [6, 5, 12];
      const lengths = [6, 4, 4, 2, 1];
      const B = lengths.length;
      const name = `cell${packed ? 'P' : 'M'}${native ? 'n' : 'w'}`;
      const w = gruParams(p, name, D, H);
      const x = tf.variable(tf.tensor2d(rng.normals(T * B * D), [T * B, D]), true, `${name}.x`);
      const h0 = tf.variable(tf.tensor2d(rng.normals(B * H, 0.5), [B, H]), true, `${name}.h0`);
      const keepData = Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < lengths[i % B]! ? 1 : 0));
      const keep = tf.tensor2d(keepData, [T * B, 1]);
      const stepWeights = tf.tensor2d(Float32Array.from(rng.normals(T * B * H), (v, i) => v * keepData[Math.floor(i / H)]!), [T * B, H]);
      const lastWeights = tf.tensor2d(rng.normals(B * H), [B, H]);
      const counts = stepCounts(lengths, T);
      const vars = [...p.of(`${name}.`), x, h0];
      const { value, grads } = tf.variableGrads(() => {
        const states = packed ? runGruPacked(w, x, counts, h0) : runGru(w, x, T, keep, h0);
        const all = packed ? unpackSteps((states as { packed: tf.Tensor2D }).packed, counts, B) : (states as { all: tf.Tensor2D }).all;
        return tf.add(tf.sum(tf.mul(all, stepWeights)), tf.sum(tf.mul(states.last, lastWeights))) as tf.Scalar;
      }, vars);
      const out = { value: value.dataSync()[0]!, grads: Object.fromEntries(vars.map((v) => [v.name.slice(name.length + 1), Array.from(grads[v.name]!.dataSync())])) };
      p.dispose();
      tf.dispose([x, h0, keep, stepWeights, lastWeights, value, ...Object.values(grads)]);
      return out;
    };
    return native ? go() : withoutNativeKernels(go);
  }

  for (const packed of [false, true])
    it(`gives the loss and gradients of the wasm backend's own kernels (${packed ? 'packed' : 'padded, masked'} runs)`, () => {
      expect(nativeKernelsInUse()).toBe(true);
      const fused = run(packed, true);
      const plain = run(packed, false);
      expect(fused.value).toBeCloseTo(plain.value, 4);
      expect(Object.keys(fused.grads)).toEqual(Object.keys(plain.grads));
      for (const [name, g] of Object.entries(fused.grads)) {
        const ref = plain.grads[name]!;
        expect(g.some((v) => Math.abs(v) > 1e-3), name).toBe(true);
        for (let i = 0; i < g.length; i++) expect(g[i], `${name}[${i}]`).toBeCloseTo(ref[i]!, 4);
      }
    });
});

describe('the fused cell at saturation', () => {
  it('gives the wasm kernels\' states when its gates\' inputs are far past where the sigmoid saturates (|x| of several hundred)', () => {
    const rng = new Rng(5);
    const p = new Params(rng);
    const w = gruParams(p, 'saturated', 4, 8);
    const [T, B] = [5, 6];
    // Inputs of a few hundred: pre-activations beyond ±88, where exp overflows or underflows.
    const x = tf.mul(tf.tensor2d(rng.normals(T * B * 4), [T * B, 4]), 400) as tf.Tensor2D;
    const keep = tf.ones([T * B, 1]) as tf.Tensor2D;
    const fused = runGru(w, x, T, keep).all.dataSync();
    const plain = withoutNativeKernels(() => runGru(w, x, T, keep).all.dataSync());
    expect(fused.every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);
    for (let i = 0; i < fused.length; i++) expect(fused[i], `state ${i}`).toBeCloseTo(plain[i]!, 5);
    p.dispose();
    tf.dispose([x, keep]);
  });
});

describe('the device a run records', () => {
  const device = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/unit/backendDevice.child.ts')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } }).stdout;

  it('names the native kernels and the vector unit they run on, or why wasm runs alone', () => {
    expect(device({})).toMatch(/^CPU, one thread \(WebAssembly SIMD with native matrix and GRU kernels \((AVX-512|AVX2|SSE2|NEON|portable C)\)\)$/);
    expect(device({ SYNTHEHR_NATIVE_KERNELS: 'off' })).toBe('CPU, one thread (WebAssembly SIMD alone: native kernels turned off (SYNTHEHR_NATIVE_KERNELS=off))');
  });
});
