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


/** What an app:// URL names: a file inside the renderer folder, or the status to answer instead. */
export type AppFile = { status: 200; file: string } | { status: 400 | 404; reason: string };

/**
 * The file an app:// URL names inside the renderer folder: 404 for another host or
 * a path escaping the folder, 400 for a path that is not valid percent-encoding
 * (decodeURIComponent would throw on "%E0%A4%A").
 */
export function appFilePath(rendererDir: string, url: string): AppFile {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== 'studio') return { status: 404, reason: 'not the app' };
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { status: 400, reason: 'malformed percent-encoding' };
  }
  const wanted = normalize(pathname).replace(/^([/\\])+/, '');
  const file = join(rendererDir, wanted || 'index.html');
  const rel = relative(rendererDir, file);
  return rel.startsWith('..') || isAbsolute(rel) ? { status: 404, reason: 'outside the app folder' } : { status: 200, file };
}
