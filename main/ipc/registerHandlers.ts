import type { WebContents } from 'electron';
import { contract, type Implementation, type MethodName } from '../../preload/contract.js';
import { handle } from './handle.js';

/** Binds every contract method to IPC (main/ipc/appHandlers.ts answers them); `trusted` says which window may call. */
export function registerHandlers(handlers: Implementation, trusted: (sender: WebContents) => boolean): void {
  for (const method of Object.keys(contract) as MethodName[]) handle(method, handlers[method] as (...args: never[]) => unknown, trusted);
}
