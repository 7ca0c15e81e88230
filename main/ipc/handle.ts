import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { z } from 'zod';
import type { Contract } from '../../preload/contract.js';
import { isAppUrl } from '../app/appProtocol.js';

export class IpcValidationError extends Error {
  override name = 'IpcValidationError';
}

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
    if (!frame || frame !== event.sender.mainFrame || !isAppUrl(frame.url) || !trusted(event.sender)) {
      throw new IpcValidationError(`${spec.channel}: refused a call from an untrusted frame`);
    }
    const parsed = spec.args.safeParse(raw);
    if (!parsed.success) {
      throw new IpcValidationError(`${spec.channel}: invalid arguments: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    return handler(...(parsed.data as z.output<S['args']>));
  });
}
