import { isAbsolute, join, normalize, relative } from 'node:path';

/*
 * Which URLs are the app's own: app://studio/... in production, the
 * electron-vite dev server in development. Pure, so the navigation policy is
 * testable without Electron.
 */
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


/** The file an app:// URL names inside the renderer folder, or null for another host or a path escaping the folder. */
export function appFilePath(rendererDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== 'studio') return null;
  const wanted = normalize(decodeURIComponent(parsed.pathname)).replace(/^([/\\])+/, '');
  const file = join(rendererDir, wanted || 'index.html');
  const rel = relative(rendererDir, file);
  return rel.startsWith('..') || isAbsolute(rel) ? null : file;
}
