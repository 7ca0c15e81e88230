import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { appFilePath } from '../ipc/appOrigin.js';
import { contentSecurityPolicy, newCspNonce, pageWithNonce } from './csp.js';

/**
 * The answer to one app:// request, without Electron (appProtocol.ts passes
 * Electron's net.fetch as `fetchFile`; the e2e bridge passes a file reader):
 * 400 for a URL that is not valid percent-encoding, 404 outside the renderer
 * folder or for a missing file, and each HTML page with a fresh style nonce in
 * its Content-Security-Policy header and its markup.
 */
export async function serveAppRequest(rendererDir: string, url: string, fetchFile: (file: string) => Promise<Response>): Promise<Response> {
  const found = appFilePath(rendererDir, url);
  if (found.status === 400) return new Response('Bad request', { status: 400, headers: { 'Content-Type': 'text/plain' } });
  if (found.status !== 200 || !existsSync(found.file) || !statSync(found.file).isFile()) return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
  if (extname(found.file) !== '.html') return fetchFile(found.file);
  const nonce = newCspNonce();
  return new Response(pageWithNonce(readFileSync(found.file, 'utf8'), nonce), {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': contentSecurityPolicy(nonce), 'Cache-Control': 'no-store' },
  });
}
