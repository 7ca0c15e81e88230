/**
 * The Content-Security-Policy of every page: no remote code, no eval, no
 * network. Sent as a header by the app (security.ts); renderer/index.html
 * carries the same policy as a meta tag (checked by the tests).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
