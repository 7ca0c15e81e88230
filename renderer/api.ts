import type { SynthehrApi } from '../preload/contract';

declare global {
  interface Window {
    api: SynthehrApi;
  }
}

/** The preload's API (or, in browser tests, the test bridge implementing the same contract). */
export const api = (): SynthehrApi => window.api;
