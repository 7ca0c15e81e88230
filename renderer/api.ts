import type { SynthehrApi } from '../preload/contract';

declare global {
  interface Window {
    api: SynthehrApi;
  }
}

/** The preload's API (or, in browser tests, the test bridge implementing the same contract). */
export const api = (): SynthehrApi => window.api;

/** An error from the API as the user should read it (without Electron's "Error invoking remote method" prefix). */
export function errorMessage(err: unknown): string {
  return String((err as Error)?.message ?? err).replace(/^Error invoking remote method '[^']+': (\w*Error: )?/, '');
}
