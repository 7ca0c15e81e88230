import type { z } from 'zod';
import type { Contract } from '../../preload/contract.js';
import { UserError, type ErrorCode } from '../common/errors.js';

export class IpcValidationError extends UserError {
  override name = 'IpcValidationError';
  readonly code: ErrorCode = 'invalid-call';
}

type Spec = Contract[keyof Contract];

/** Who called: enough to decide whether to answer. */
export interface Caller {
  /** The calling frame's URL, or null when the frame is gone. */
  frameUrl: string | null;
  isMainFrame: boolean;
  /** The window the call came from is the app's own window. */
  fromAppWindow: boolean;
}

/**
 * The checks every handler runs before its body (main/ipc/handle.ts; the
 * renderer tests' bridge runs the same): the call comes from the app's own
 * main frame at an app URL, and its arguments match the contract.
 */
export function validateCall<S extends Spec>(spec: S, caller: Caller, raw: unknown[], isAppUrl: (url: string) => boolean): z.output<S['args']> {
  if (!caller.frameUrl || !caller.isMainFrame || !isAppUrl(caller.frameUrl) || !caller.fromAppWindow) {
    throw new IpcValidationError(`${spec.channel}: refused a call from an untrusted frame`);
  }
  // Trailing undefined arguments are optional ones left out (structured clone keeps them, JSON does not).
  const args = [...raw];
  while (args.length && args[args.length - 1] === undefined) args.pop();
  const parsed = spec.args.safeParse(args);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? `argument ${i.path.join('.')}: ` : ''}${i.message}`);
    throw new IpcValidationError(`${spec.channel}: invalid arguments: ${problems.join('; ')}`);
  }
  return parsed.data as z.output<S['args']>;
}
