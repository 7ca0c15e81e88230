import { createHash, randomBytes } from 'node:crypto';
import { APP_ORIGIN, isAppUrl } from '../ipc/appOrigin.js';

/**
 * The Content-Security-Policy of every page: no remote code, no eval, no
 * network, no inline script and no inline style. A <style> element applies
 * only when it carries the page's nonce: the app:// handler makes a fresh one
 * for every load of index.html (appServe.ts), puts it in this policy (header
 * and meta tag) and in `<meta property="csp-nonce">`, from which the renderer
 * gives it to Mantine and to plotly's style element (renderer/main.tsx).
 * Styles set through the CSSOM (React's style prop, d3's .style(), plotly's
 * insertRule) need no permission.
 *
 * Style attributes written as markup or with setAttribute('style') are allowed
 * only with exactly the values below ('unsafe-hashes' with their hashes): plotly
 * writes these two when it draws a heatmap, and no other value applies.
 */
export const ALLOWED_STYLE_ATTRIBUTES = [
  // plotly's colour bar clears the style of its fill rectangles before colouring them.
  '',
  // plotly's heatmap image is drawn small and scaled up with crisp cells (src/constants/pixelated_image.js);
  // refused, the browser would blur the cells together.
  'image-rendering: optimizeSpeed; image-rendering: -moz-crisp-edges; image-rendering: -o-crisp-edges; image-rendering: -webkit-optimize-contrast; image-rendering: optimize-contrast; image-rendering: crisp-edges; image-rendering: pixelated; ',
] as const;

const styleAttributeHashes = ALLOWED_STYLE_ATTRIBUTES.map((value) => `'sha256-${createHash('sha256').update(value).digest('base64')}'`).join(' ');

const directives = (nonce?: string) => [
  "default-src 'none'",
  "script-src 'self'",
  nonce ? `style-src 'self' 'nonce-${nonce}'` : "style-src 'self'",
  `style-src-attr 'unsafe-hashes' ${styleAttributeHashes}`,
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

/** The policy sent as a header; without a nonce no <style> element applies at all. */
export function contentSecurityPolicy(nonce?: string): string {
  return [...directives(nonce), "frame-ancestors 'none'"].join('; ');
}

/** The same policy as index.html's meta tag carries it (frame-ancestors is ignored, with a warning, in a meta policy). */
export function metaContentSecurityPolicy(nonce: string): string {
  return directives(nonce).join('; ');
}

/** The strictest policy: every response but the app's own page. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * What renderer/index.html carries where the nonce goes. Only the development
 * server serves it unreplaced (and the session then allows it, for development
 * only); every app:// response replaces it with a fresh nonce.
 */
export const CSP_NONCE_PLACEHOLDER = 'SYNTHEHR_CSP_NONCE';

/** 128 random bits, base64: a fresh nonce for one page load. */
export function newCspNonce(): string {
  return randomBytes(16).toString('base64');
}

/** index.html with every placeholder (meta policy, nonce meta tag, plotly's style element) replaced by `nonce`. */
export function pageWithNonce(html: string, nonce: string): string {
  return html.replaceAll(CSP_NONCE_PLACEHOLDER, nonce);
}

/**
 * The response headers the session passes on (security.ts): the policy of the
 * app's own page, set by its protocol handler with the page's nonce, is kept;
 * every other response has any policy of its own replaced by the strict one.
 */
export function withCspHeader(url: string, headers: Record<string, string[]>): Record<string, string[]> {
  const isCsp = (key: string) => key.toLowerCase() === 'content-security-policy';
  if (url.startsWith(`${APP_ORIGIN}/`) && Object.keys(headers).some(isCsp)) return headers;
  const rest = Object.fromEntries(Object.entries(headers).filter(([key]) => !isCsp(key)));
  // The development server serves index.html with the placeholder nonce unreplaced.
  const policy = isAppUrl(url) && !url.startsWith(`${APP_ORIGIN}/`) ? contentSecurityPolicy(CSP_NONCE_PLACEHOLDER) : CONTENT_SECURITY_POLICY;
  return { ...rest, 'Content-Security-Policy': [policy] };
}
