import type { MethodName, Reply } from '../../preload/contract.js';
import { contract } from '../../preload/contract.js';
import { errorToWire, UserError } from '../common/errors.js';
import { validateCall, type Caller } from './validateCall.js';

/**
 * One renderer call, answered the way the app answers every call (main/ipc/handle.ts
 * binds this to IPC; the renderer tests' bridge calls it directly): the caller
 * and the arguments checked, the handler run, its result checked against the
 * contract, and any error turned into its code and message. An error that is
 * not the user's is logged here with its stack.
 */
export async function answerCall<K extends MethodName>(
  method: K,
  handler: (...args: never[]) => unknown,
  caller: Caller,
  raw: unknown[],
  isAppUrl: (url: string) => boolean,
): Promise<Reply<K>> {
  const spec = contract[method];
  try {
    const args = validateCall(spec, caller, raw, isAppUrl) as unknown as never[];
    const result = spec.result.safeParse(await handler(...args));
    if (!result.success) throw new Error(`${method}: main produced a malformed result (${result.error.issues[0]?.path.join('.') ?? ''}: ${result.error.issues[0]?.message ?? 'invalid'})`);
    return { ok: true, value: result.data as Reply<K> extends { value: infer V } ? V : never };
  } catch (err) {
    if (!(err instanceof UserError)) console.error(`${spec.channel} failed:`, err);
    return { ok: false, error: errorToWire(err) };
  }
}
