/**
 * The backends a user can ask for, fastest first (main/training/backend.ts picks
 * among them). Kept apart from backend.ts so that naming one does not load TensorFlow.js.
 */
export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
