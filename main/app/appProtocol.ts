import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';

export { APP_SCHEME, APP_ORIGIN, isAppUrl, rendererEntryUrl } from '../ipc/appOrigin.js';
import { APP_SCHEME } from '../ipc/appOrigin.js';
import { serveAppRequest } from './appServe.js';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * Serves the built renderer from app://: 404 for any path that escapes its folder,
 * 400 for a malformed URL, and index.html with a fresh style nonce per load (appServe.ts).
 */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererDir, request.url, (file) => net.fetch(pathToFileURL(file).toString())));
}
