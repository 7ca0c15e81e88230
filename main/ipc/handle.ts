import { ipcMain, type WebContents } from 'electron';
import { contract, type MethodName } from '../../preload/contract.js';
import { answerCall } from './answerCall.js';
import { isAppUrl } from './appOrigin.js';

export { IpcValidationError } from './validateCall.js';

/**
 * The only way main answers the renderer: each call checked (the app's own main
 * frame, never an iframe or another origin; arguments as the contract says),
 * answered and its errors turned into codes, by answerCall.
 */
export function handle(method: MethodName, handler: (...args: never[]) => unknown, trusted: (sender: WebContents) => boolean): void {
  ipcMain.handle(contract[method].channel, (event, ...raw: unknown[]) => {
    const frame = event.senderFrame;
    return answerCall(method, handler, { frameUrl: frame?.url ?? null, isMainFrame: !!frame && frame === event.sender.mainFrame, fromAppWindow: trusted(event.sender) }, raw, isAppUrl);
  });
}
