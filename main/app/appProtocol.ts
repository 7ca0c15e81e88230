import { net, protocol } from 'electron';
import { join, normalize, relative, isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://studio`;

/** In development electron-vite serves the renderer from localhost; in production only app:// is trusted. */
const devServer = process.env.ELECTRON_RENDERER_URL;

export function isAppUrl(url: string): boolean {
  if (url.startsWith(`${APP_ORIGIN}/`)) return true;
  return devServer !== undefined && url.startsWith(devServer);
}

export function rendererEntryUrl(): string {
  return devServer ?? `${APP_ORIGIN}/index.html`;
}

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the built renderer from app://, refusing any path that escapes its folder. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    const wanted = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = join(rendererDir, wanted || 'index.html');
    const rel = relative(rendererDir, file);
    if (url.host !== 'studio' || rel.startsWith('..') || isAbsolute(rel)) {
      return new Response('Not found', { status: 404 });
    }
    return net.fetch(pathToFileURL(file).toString());
  });
}
