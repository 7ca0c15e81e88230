import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

/*
 * Native CPU kernels for the wasm backend (main/native/kernels.c, built by
 * node-gyp when the optional package @synthehr/native-kernels installs): its
 * matrix product replaced, and the GRU cell's forward and backward steps as
 * one kernel each (gru.ts calls them where they run). They read and write the
 * wasm backend's memory in place. Why: after packing, a training step's time
 * was in matrix products, which WebAssembly SIMD runs at ~15 GFLOP/s on one
 * core here and the native kernel at ~60, and in a dozen small kernels per
 * cell step, each a call through the engine (README, "Training on the CPU").
 * Every other kernel stays the wasm backend's. Without the package (no C
 * compiler when it installed), training runs on WebAssembly alone: slower,
 * never wrong.
 */

interface Native {
  matMul(buffer: ArrayBuffer, a: number, b: number, out: number, batchA: number, batchB: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void;
  cellForward(buffer: ArrayBuffer, rows: number, H: number, ...offsets: number[]): void;
  cellBackward(buffer: ArrayBuffer, rows: number, H: number, ...offsets: number[]): void;
  isa(): string;
}

interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: WasmBackend; attrs: Record<string, unknown> };

/** Set SYNTHEHR_NATIVE_KERNELS=off to train on WebAssembly alone (to compare, or to rule the kernels out). */
export const NATIVE_KERNELS_ENV = 'SYNTHEHR_NATIVE_KERNELS';

function load(): Native | string {
  if (process.env[NATIVE_KERNELS_ENV] === 'off') return `turned off (${NATIVE_KERNELS_ENV}=off)`;
  try {
    return createRequire(import.meta.url)('@synthehr/native-kernels') as Native;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'MODULE_NOT_FOUND'
      ? 'not built (@synthehr/native-kernels did not install: it needs a C compiler and Python for node-gyp when `npm install` runs)'
      : `did not load: ${(err as Error).message.split('\n')[0]}`;
  }
}

const offset = (backend: WasmBackend, t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;

function matMulKernel(native: Native, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const [ra, rb] = [a.shape.length, b.shape.length];
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const [batchA, batchB] = [tf.util.sizeFromShape(outerA), tf.util.sizeFromShape(outerB)];
    const outer = outerA.length >= outerB.length ? outerA : outerB;
    // Broadcasting beyond "one side has a single matrix", odd types and empty tensors: the wasm kernel.
    const simple = batchA === batchB ? outerA.join() === outerB.join() : batchA === 1 || batchB === 1;
    if (suspended || a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kb || !simple || m * n * k === 0) return fallback(args);
    const out = backend.makeOutput([...outer, m, n], 'float32');
    // After makeOutput: allocating may have grown (and so replaced) the wasm memory.
    native.matMul(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, a), offset(backend, b), offset(backend, out), batchA, batchB, m, n, k, transposeA, transposeB);
    return out;
  };
}

/** The GRU cell's forward step, fused (kernels.c: cell_forward): [h', z', r', r'h, c', u (only with keep)]. */
export const GRU_CELL = 'SynthehrGruCell';
/** Its backward step, fused (kernels.c: cell_backward): [dz, dr, dc, dhPrev]. */
export const GRU_CELL_GRAD = 'SynthehrGruCellGrad';

function cellKernel(native: Native): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as KernelArgs;
    const { z, r, c, h, uz, ur, uh, keep } = inputs as Record<string, tf.TensorInfo>;
    const [rows, H] = h!.shape as [number, number];
    const outs = Array.from({ length: keep ? 6 : 5 }, () => backend.makeOutput([rows, H], 'float32'));
    const at = (t: tf.TensorInfo | undefined) => (t ? offset(backend, t) : -1);
    native.cellForward(backend.wasm.HEAPU8.buffer as ArrayBuffer, rows, H, ...[z, r, c, h, uz, ur, uh, keep].map(at), ...outs.slice(0, 5).map(at), keep ? at(outs[5]) : -1);
    return outs;
  };
}

/** Inputs: dh [rows, H], the step's tape (prev, update, gate, reset, candidate: whole runs stacked, the step at row `tapeRow`), the recurrent matrices transposed. */
function cellGradKernel(native: Native): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const { dh, prev, update, gate, reset, candidate, uzT, urT, uhT } = inputs as Record<string, tf.TensorInfo>;
    const [rows, H] = dh!.shape as [number, number];
    const row = Number(attrs.tapeRow ?? 0);
    const tape = [prev!, update!, gate!, reset!, candidate!];
    if (!tape.every((t) => t.shape[1] === H && row >= 0 && row + rows <= t.shape[0]!)) throw new Error(`${GRU_CELL_GRAD}: the tape has no rows ${row}..${row + rows - 1}`);
    const outs = Array.from({ length: 4 }, () => backend.makeOutput([rows, H], 'float32'));
    const at = (t: tf.TensorInfo) => offset(backend, t);
    const tapeAt = (t: tf.TensorInfo) => at(t) + row * H * 4;
    native.cellBackward(backend.wasm.HEAPU8.buffer as ArrayBuffer, rows, H, at(dh!), ...tape.map(tapeAt), ...[uzT!, urT!, uhT!].map(at), ...outs.map(at));
    return outs;
  };
}

let installed: string | null = null;
let suspended = false;

/**
 * Puts the native matrix product in place of the wasm backend's and registers
 * the fused cell kernels (once per process; the wasm backend must be registered). Returns what the
 * kernels run on (e.g. "AVX-512"), or why they are not used, as `{ used: false, why }`.
 */
export function useNativeKernels(): { used: true; isa: string } | { used: false; why: string } {
  if (installed) return { used: true, isa: installed };
  const native = load();
  if (typeof native === 'string') return { used: false, why: native };
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) return { used: false, why: 'the wasm backend has no BatchMatMul kernel to replace' };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: matMulKernel(native, original.kernelFunc) });
  tf.registerKernel({ kernelName: GRU_CELL, backendName: 'wasm', kernelFunc: cellKernel(native) });
  tf.registerKernel({ kernelName: GRU_CELL_GRAD, backendName: 'wasm', kernelFunc: cellGradKernel(native) });
  installed = native.isa();
  return { used: true, isa: installed };
}

/** Whether this process's wasm backend runs the native kernels now. */
export const nativeKernelsInUse = (): boolean => installed !== null && !suspended && tf.getBackend() === 'wasm';

/** Runs fn on the wasm backend's own kernels alone (to compare the two in one process: tests, benchmarks). */
export function withoutNativeKernels<T>(fn: () => T): T {
  const was = suspended;
  suspended = true;
  try {
    return fn();
  } finally {
    suspended = was;
  }
}
