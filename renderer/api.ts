import type { ErrorCode, MethodName, Reply, SynthehrApi, WireApi } from '../preload/contract';

declare global {
  interface Window {
    api: WireApi;
  }
}

/** A call main refused or could not answer: its stable code and the message to show. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function unwrap<K extends MethodName>(reply: Reply<K>) {
  if (reply.ok) return reply.value;
  throw new ApiError(reply.error.code, reply.error.message);
}

let unwrapped: SynthehrApi | undefined;

/**
 * The preload's API (or, in browser tests, the test bridge implementing the same
 * contract), each method's Reply turned into its result or a thrown ApiError.
 */
export function api(): SynthehrApi {
  unwrapped ??= Object.fromEntries(
    Object.entries(window.api as unknown as Record<string, (...args: unknown[]) => unknown>).map(([name, fn]) =>
      // Subscriptions (onTrainingProgress, ...) pass through; no method name starts with "on".
      name.startsWith('on') ? [name, fn] : [name, async (...args: unknown[]) => unwrap((await fn(...args)) as Reply<MethodName>)],
    ),
  ) as SynthehrApi;
  return unwrapped;
}

/** An error from the API as the user should read it. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
