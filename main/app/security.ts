import { session, shell, type WebContents } from 'electron';
import { isAppUrl } from './appProtocol.js';
import { withCspHeader } from './csp.js';

/** External links the app may hand to the system browser (documentation only). */
const EXTERNAL_ALLOWLIST = ['https://www.hl7.org/fhir/', 'https://ohdsi.github.io/CommonDataModel/'];

/** Session-wide: CSP header, every permission denied, no requests leave the machine. */
export function hardenSession(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.webRequest.onBeforeRequest((details, callback) => {
    const local = isAppUrl(details.url) || details.url.startsWith('devtools://') || details.url.startsWith('data:') || details.url.startsWith('blob:');
    callback({ cancel: !local });
  });
  s.webRequest.onHeadersReceived((details, callback) => {
    // The app's page keeps the policy (with its fresh style nonce) that the app:// handler set; anything else gets the strict one.
    callback({ responseHeaders: withCspHeader(details.url, details.responseHeaders ?? {}) });
  });
}

/** Per window: no navigation away from the app, no new windows, no webviews. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (EXTERNAL_ALLOWLIST.some((prefix) => url.startsWith(prefix))) void shell.openExternal(url);
    return { action: 'deny' };
  });
}
