import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { z } from 'zod';
import type { Contract } from '../../preload/contract.js';
import { isAppUrl } from './appOrigin.js';
import { validateCall } from './validateCall.js';

export { IpcValidationError } from './validateCall.js';

type Spec = Contract[keyof Contract];
type Handler<S extends Spec> = (...args: z.output<S['args']>) => Promise<z.output<S['result']>> | z.output<S['result']>;

/**
 * The only way main answers the renderer: checks that the call comes from the
 * app's own main frame (never an iframe, never another origin), validates the
 * arguments against the contract, and only then runs the handler.
 */
export function handle<S extends Spec>(spec: S, handler: Handler<S>, trusted: (sender: WebContents) => boolean): void {
  ipcMain.handle(spec.channel, async (event: IpcMainInvokeEvent, ...raw: unknown[]) => {
    const frame = event.senderFrame;
    const args = validateCall(spec, { frameUrl: frame?.url ?? null, isMainFrame: !!frame && frame === event.sender.mainFrame, fromAppWindow: trusted(event.sender) }, raw, isAppUrl);
    return handler(...(args as z.output<S['args']>));
  });
}
