import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { UserError, type ErrorCode } from '../common/errors.js';
import { useNativeKernels } from '../models/nativeKernels.js';
import { referenceStep } from '../models/referenceStep.js';
import { BACKENDS, type BackendName } from './backendNames.js';

/*
 * Picks the fastest backend that proves itself, in order: CUDA through
 * tfjs-node-gpu, WebGPU through Dawn (the `webgpu` package; hardware adapters
 * only, and only if a seeded check matches the wasm result), native CPU
 * through tfjs-node, wasm, then the plain JavaScript cpu backend. Every
 * optional package may be absent: that is a reason recorded, never a crash.
 */

export { BACKENDS, type BackendName } from './backendNames.js';

export interface BackendChoice {
  name: BackendName;
  /** The tfjs backend id in use. */
  tfBackend: string;
  device: string;
  reason: string;
  tried: { name: BackendName; outcome: string }[];
}

/**
 * What a user installs for each backend, with the versions this build was made
 * for (package.json pins the tfjs packages; libtensorflow's version is the one
 * tfjs-node 4.22.0 downloads when it installs).
 */
export const BACKEND_SETUP: Record<BackendName, string> = {
  'tensorflow-gpu':
    'on Linux or Windows x86-64 with an NVIDIA GPU and its driver, install CUDA 11.2 and cuDNN 8.1 (what libtensorflow 2.9.1 is built against), then run "npm install @tensorflow/tfjs-node-gpu@4.22.0" once with internet access (its install script downloads libtensorflow 2.9.1 for GPU)',
  webgpu:
    'install a hardware GPU driver with WebGPU support for Dawn (the "webgpu" package 0.6.2, installed with this app where it can be): on Linux the Vulkan loader and the vendor\'s Vulkan driver (e.g. apt-get install libvulkan1 mesa-vulkan-drivers, or the NVIDIA driver), Metal on macOS, Direct3D 12 on Windows; software renderers (llvmpipe, SwiftShader) are refused',
  tensorflow:
    'run "npm install @tensorflow/tfjs-node@4.22.0" once with internet access (Linux x86-64/arm64, macOS x86-64, Windows x86-64; its install script downloads libtensorflow 2.9.1 for CPU)',
  wasm: 'reinstall the app\'s dependencies (npm ci): @tensorflow/tfjs-backend-wasm 4.22.0 is one of them',
  cpu: 'nothing: the plain JavaScript backend is always there',
};

/** A backend asked for by name (--backend, or the app's backend choice) that cannot start here. */
export class BackendUnavailableError extends UserError {
  override name = 'BackendUnavailableError';
  readonly code: ErrorCode = 'backend-unavailable';
}

const SOFTWARE_ADAPTERS = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

type Attempt = { ok: true; tfBackend: string; device: string } | { ok: false; why: string };

async function tryTensorflow(gpu: boolean): Promise<Attempt> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  try {
    const mod = (await import(pkg)) as { version?: Record<string, string> };
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: `${pkg} loaded but its backend did not start` };
    const backend = tf.backend() as unknown as { isUsingGpuDevice?: () => boolean; binding?: { isUsingGpuDevice?: () => boolean } };
    const usesGpu = backend.isUsingGpuDevice?.() ?? backend.binding?.isUsingGpuDevice?.();
    if (gpu && usesGpu === false) return { ok: false, why: `${pkg} found no CUDA device` };
    return { ok: true, tfBackend: 'tensorflow', device: gpu ? 'CUDA GPU (libtensorflow)' : `CPU (libtensorflow ${mod.version?.['tfjs-node'] ?? ''})`.trim() };
  } catch (err) {
    return { ok: false, why: absentOr(pkg, err) };
  }
}

/** Dawn needs a Vulkan loader on Linux; without one it can only fail (noisily), so do not ask. */
function vulkanMissing(): boolean {
  if (process.platform !== 'linux') return false;
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  return !dirs.some((d) => existsSync(`${d}/libvulkan.so.1`));
}

async function tryWebGpu(): Promise<Attempt> {
  if (vulkanMissing()) return { ok: false, why: 'no Vulkan loader (libvulkan.so.1), so no WebGPU adapter' };
  try {
    const dawn = (await import('webgpu')) as { create: (flags: string[]) => GPU; globals: object };
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { ok: false, why: 'no WebGPU adapter (no Vulkan/Metal/D3D12 driver)' };
    const info = (adapter as unknown as { info?: { vendor?: string; architecture?: string; device?: string; description?: string } }).info ?? {};
    const label = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown adapter';
    if (SOFTWARE_ADAPTERS.test(label) || (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter) {
      return { ok: false, why: `WebGPU adapter "${label}" is a software renderer` };
    }
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return { ok: false, why: 'the WebGPU backend did not start' };
    const verdict = await provesItselfAgainstWasm();
    if (verdict) return { ok: false, why: `WebGPU adapter "${label}": ${verdict}` };
    return { ok: true, tfBackend: 'webgpu', device: `WebGPU: ${label}` };
  } catch (err) {
    return { ok: false, why: absentOr('webgpu / @tensorflow/tfjs-backend-webgpu', err) };
  }
}

async function tryWasm(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'the wasm backend did not start' };
    const native = useNativeKernels();
    const kernels = native.used ? `with native matrix and GRU kernels (${native.isa})` : `alone: native kernels ${native.why}`;
    return { ok: true, tfBackend: 'wasm', device: `CPU, one thread (WebAssembly SIMD ${kernels})` };
  } catch (err) {
    return { ok: false, why: absentOr('@tensorflow/tfjs-backend-wasm', err) };
  }
}

async function tryCpu(): Promise<Attempt> {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return { ok: true, tfBackend: 'cpu', device: 'CPU (plain JavaScript)' };
}

const ATTEMPTS: Record<BackendName, () => Promise<Attempt>> = {
  'tensorflow-gpu': () => tryTensorflow(true),
  webgpu: tryWebGpu,
  tensorflow: () => tryTensorflow(false),
  wasm: tryWasm,
  cpu: tryCpu,
};

/** Selects `prefer` (failing loudly if it cannot start), or the first that works in BACKENDS order. */
export async function selectBackend(prefer: BackendName | 'auto' = 'auto'): Promise<BackendChoice> {
  const order = prefer === 'auto' ? [...BACKENDS] : [prefer];
  const tried: BackendChoice['tried'] = [];
  for (const name of order) {
    const attempt = await ATTEMPTS[name]();
    if (attempt.ok) {
      await tf.ready();
      const skipped = tried.map((t) => `${t.name}: ${t.outcome}`).join('; ');
      const reason = prefer === 'auto' ? `fastest available${skipped ? ` (${skipped})` : ''}` : 'chosen with --backend';
      tried.push({ name, outcome: 'selected' });
      return { name, tfBackend: attempt.tfBackend, device: attempt.device, reason, tried };
    }
    tried.push({ name, outcome: attempt.why });
  }
  const why = tried.map((t) => t.outcome).join('; ');
  if (prefer === 'auto') throw new Error(`No backend is available: ${why}`);
  throw new BackendUnavailableError(`Backend "${prefer}" is not available: ${why}. To use it, ${BACKEND_SETUP[prefer]}. Or leave --backend out (auto picks the fastest that works).`);
}

/**
 * A few seeded training steps (a small reference step) on the candidate
 * backend and on wasm: the candidate must give the same losses and be faster.
 * Returns '' when it passes, else why not. Leaves the candidate selected.
 */
async function provesItselfAgainstWasm(): Promise<string> {
  const candidate = tf.getBackend();
  const size = { features: 8, hidden: 32, steps: 24, batch: 64 };
  const measure = () => {
    const r = referenceStep(7, size);
    try {
      r.step(); // compile kernels
      const t0 = performance.now();
      const losses = [0, 1, 2].map(() => r.step().ae);
      return { losses, ms: (performance.now() - t0) / 3 };
    } finally {
      r.dispose();
    }
  };
  const mine = measure();
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) {
    await tf.setBackend(candidate);
    return '';
  }
  const reference = measure();
  await tf.setBackend(candidate);
  const worst = Math.max(...mine.losses.map((l, i) => Math.abs(l - reference.losses[i]!) / Math.max(1e-6, Math.abs(reference.losses[i]!))));
  if (!(worst < 1e-3)) return `its losses differ from wasm's (relative ${worst.toExponential(2)})`;
  if (mine.ms >= reference.ms) return `slower than wasm (${mine.ms.toFixed(0)} ms against ${reference.ms.toFixed(0)} ms per step)`;
  return '';
}

function absentOr(pkg: string, err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return `${pkg} is not installed (optional)`;
  return `${pkg} failed to load: ${(err as Error).message.split('\n')[0]}`;
}
