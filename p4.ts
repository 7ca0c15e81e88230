import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './main/training/backend.js';
await selectBackend('wasm');
const h = tf.randomNormal([128, 64]); const b = tf.randomNormal([128, 64]); const u = tf.randomNormal([64, 64]);
const e = tf.engine();
const bench = (name: string, f: () => tf.Tensor) => { const n = 5000; for (let i = 0; i < 500; i++) f().dispose(); const t = performance.now(); for (let i = 0; i < n; i++) f().dispose(); return `${name} ${((performance.now() - t) / n * 1000).toFixed(1)}us`; };
for (let round = 0; round < 2; round++) {
  console.log([
    bench('tf.add', () => tf.add(h, b)),
    bench('runKernel Add', () => e.runKernel('Add', { a: h, b }) as tf.Tensor),
    bench('tf.mul', () => tf.mul(h, b)),
    bench('runKernel Multiply', () => e.runKernel('Multiply', { a: h, b }) as tf.Tensor),
    bench('tf.sigmoid', () => tf.sigmoid(h)),
    bench('runKernel Sigmoid', () => e.runKernel('Sigmoid', { x: h }) as tf.Tensor),
    bench('tf.matMul', () => tf.matMul(h, u)),
    bench('runKernel BatchMatMul', () => e.runKernel('BatchMatMul', { a: h, b: u }, { transposeA: false, transposeB: false }) as tf.Tensor),
  ].join(' | '));
}
const r = e.runKernel('BatchMatMul', { a: h, b: u }, { transposeA: false, transposeB: false }) as tf.Tensor;
console.log(r.shape, tf.max(tf.abs(tf.sub(r, tf.matMul(h, u)))).dataSync()[0]);
