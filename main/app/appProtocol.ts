import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';

export { APP_SCHEME, APP_ORIGIN, isAppUrl, rendererEntryUrl } from './appOrigin.js';
import { APP_SCHEME, appFilePath } from './appOrigin.js';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the built renderer from app://, refusing any path that escapes its folder. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => {
    const file = appFilePath(rendererDir, request.url);
    return file ? net.fetch(pathToFileURL(file).toString()) : new Response('Not found', { status: 404 });
  });
}
