// Prints the device the wasm backend reports in a fresh process (its environment decides the native kernels).
import { selectBackend } from '../../main/training/backend.js';

process.stdout.write((await selectBackend('wasm')).device);
