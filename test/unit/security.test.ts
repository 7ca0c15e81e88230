import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contract } from '../../preload/contract.js';
import { appFilePath, isAppUrl } from '../../main/ipc/appOrigin.js';
import { serveAppRequest } from '../../main/app/appServe.js';
import { CONTENT_SECURITY_POLICY, CSP_NONCE_PLACEHOLDER, contentSecurityPolicy, metaContentSecurityPolicy, withCspHeader } from '../../main/app/csp.js';
import { ROOT, tempDir } from '../support/store.js';
import { IpcValidationError, validateCall } from '../../main/ipc/validateCall.js';

describe('navigation and the app:// protocol', () => {
  it('treats only app://studio/ as the app: every other origin is navigation away, and blocked', () => {
    expect(isAppUrl('app://studio/index.html')).toBe(true);
    for (const url of ['https://example.org/', 'app://studio.evil.org/', 'app://other/index.html', 'file:///etc/passwd', 'http://127.0.0.1:5173/', 'javascript:alert(1)', 'data:text/html,hi']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });

  it('serves files of the renderer folder only', () => {
    expect(appFilePath('/opt/app/renderer', 'app://studio/assets/index.js')).toEqual({ status: 200, file: '/opt/app/renderer/assets/index.js' });
    expect(appFilePath('/opt/app/renderer', 'app://studio/')).toEqual({ status: 200, file: '/opt/app/renderer/index.html' });
    // Dot segments, plain or percent-encoded, never leave the folder.
    for (const url of ['app://studio/../../../etc/passwd', 'app://studio/%2e%2e/%2e%2e/etc/passwd', 'app://studio/assets/..%2f..%2f..%2fetc/passwd']) {
      const found = appFilePath('/opt/app/renderer', url);
      expect(found.status === 404 || (found.status === 200 && found.file.startsWith('/opt/app/renderer/')), `${url} -> ${JSON.stringify(found)}`).toBe(true);
    }
    expect(appFilePath('/opt/app/renderer', 'app://elsewhere/index.html')).toMatchObject({ status: 404 });
  });

  it('answers a malformed percent-encoding with 400 instead of throwing', () => {
    for (const url of ['app://studio/%E0%A4%A', 'app://studio/%', 'app://studio/assets/%zz.js', 'app://studio/%C0%AF']) {
      expect(() => appFilePath('/opt/app/renderer', url), url).not.toThrow();
      expect(appFilePath('/opt/app/renderer', url), url).toMatchObject({ status: 400 });
    }
  });
});

describe('the app:// protocol handler', () => {
  const renderer = () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), readFileSync(join(ROOT, 'renderer', 'index.html')));
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    return dir;
  };
  const fetchFile = async (file: string) => new Response(readFileSync(file));

  it('returns a 400 response for a malformed percent-encoding, and 404 outside the folder or for a missing file', async () => {
    const dir = renderer();
    const bad = await serveAppRequest(dir, 'app://studio/%E0%A4%A', fetchFile);
    expect(bad.status).toBe(400);
    for (const url of ['app://elsewhere/index.html', 'app://studio/missing.js', 'app://studio/%2e%2e/%2e%2e/etc/passwd']) {
      expect((await serveAppRequest(dir, url, fetchFile)).status, url).toBe(404);
    }
    const js = await serveAppRequest(dir, 'app://studio/assets/app.js', fetchFile);
    expect(js.status).toBe(200);
    expect(await js.text()).toBe('console.log(1)');
  });

  it('answers each page load with a fresh style nonce, the same in the CSP header, the meta policy and the nonce meta tag', async () => {
    const dir = renderer();
    const nonces: string[] = [];
    for (const url of ['app://studio/index.html', 'app://studio/']) {
      const page = await serveAppRequest(dir, url, fetchFile);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const header = page.headers.get('content-security-policy')!;
      const nonce = /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(header)![1]!;
      expect(nonce).not.toBe(CSP_NONCE_PLACEHOLDER);
      expect(Buffer.from(nonce, 'base64').length).toBeGreaterThanOrEqual(16);
      expect(header).toBe(contentSecurityPolicy(nonce));
      const html = await page.text();
      expect(html).not.toContain(CSP_NONCE_PLACEHOLDER);
      expect(html).toContain(`content="${metaContentSecurityPolicy(nonce)}"`);
      expect(html).toMatch(new RegExp(`<meta property="csp-nonce" nonce="${nonce.replace(/[+/=]/g, '\\$&')}"`));
      nonces.push(nonce);
    }
    expect(new Set(nonces).size).toBe(2);
  });
});

describe('the Content-Security-Policy', () => {
  it('allows no inline style or script: styles only from the app or carrying the page nonce', () => {
    for (const policy of [CONTENT_SECURITY_POLICY, contentSecurityPolicy('abc123'), metaContentSecurityPolicy('abc123')]) {
      expect(policy).not.toContain('unsafe-inline');
      expect(policy).not.toContain('unsafe-eval');
      expect(policy).toContain("script-src 'self';");
      expect(policy).toContain("default-src 'none'");
    }
    expect(contentSecurityPolicy('abc123')).toContain("style-src 'self' 'nonce-abc123';");
    // Style attributes: only the two exact values plotly writes for a heatmap (the empty one, and
    // crisp image scaling), by hash; everything else set as markup or by setAttribute is refused.
    expect(contentSecurityPolicy('abc123')).toContain(
      "style-src-attr 'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'sha256-AR/cKIZjWPcPmBUPDA6oti9XBiTbJvz0Cro2J1VzzS8=';",
    );
    // Without a nonce (every response but the app's page) no <style> element applies at all.
    expect(CONTENT_SECURITY_POLICY).toContain("style-src 'self';");
    // frame-ancestors is ignored (with a console warning) in a meta policy, so only the header has it.
    expect(contentSecurityPolicy('abc123')).toContain("frame-ancestors 'none'");
    expect(metaContentSecurityPolicy('abc123')).not.toContain('frame-ancestors');
  });

  it('is carried by renderer/index.html as a meta policy with the nonce placeholder the app replaces', () => {
    const html = readFileSync(join(ROOT, 'renderer', 'index.html'), 'utf8');
    expect(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]).toBe(metaContentSecurityPolicy(CSP_NONCE_PLACEHOLDER));
    expect(html).toContain(`<meta property="csp-nonce" nonce="${CSP_NONCE_PLACEHOLDER}"`);
  });

  it('is sent by the session on every response; the app page keeps the nonce policy its handler set', () => {
    const page = contentSecurityPolicy('fresh');
    expect(withCspHeader('app://studio/index.html', { 'Content-Security-Policy': [page], 'Content-Type': ['text/html'] })).toEqual({ 'Content-Security-Policy': [page], 'Content-Type': ['text/html'] });
    expect(withCspHeader('app://studio/assets/index.js', { 'content-type': ['text/javascript'] })).toEqual({ 'content-type': ['text/javascript'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    // A policy sent by anything else is replaced, never added to or kept.
    const other = withCspHeader('https://example.org/', { 'content-security-policy': ["default-src *; style-src 'unsafe-inline'"] });
    expect(other).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

describe('IPC calls', () => {
  const app = { frameUrl: 'app://studio/index.html', isMainFrame: true, fromAppWindow: true };
  it('are answered only from the app window main frame at an app URL', () => {
    expect(validateCall(contract.inspectDataset, app, ['steno2'], isAppUrl)).toEqual(['steno2']);
    for (const caller of [
      { ...app, isMainFrame: false },
      { ...app, frameUrl: 'https://example.org/' },
      { ...app, frameUrl: null },
      { ...app, fromAppWindow: false },
    ]) {
      expect(() => validateCall(contract.inspectDataset, caller, ['steno2'], isAppUrl)).toThrow(/refused a call from an untrusted frame/);
    }
  });

  it('reject malformed arguments with a validation error naming the argument', () => {
    expect(() => validateCall(contract.inspectDataset, app, [42], isAppUrl)).toThrow(IpcValidationError);
    expect(() => validateCall(contract.inspectDataset, app, [42], isAppUrl)).toThrow(/datasets:inspect: invalid arguments: argument 0:/);
    expect(() => validateCall(contract.trainingLosses, app, [-1], isAppUrl)).toThrow(/argument 0/);
    expect(() => validateCall(contract.createCohort, app, [{ name: 'x y', dataset: 'd', outcome: { events: ['death'] } }], isAppUrl)).toThrow(/argument 0\.name/);
    expect(() => validateCall(contract.listDatasets, app, ['extra'], isAppUrl)).toThrow(/invalid arguments/);
    // Optional trailing arguments may be left out or sent as undefined.
    expect(validateCall(contract.previewEncoding, app, ['c', '3', undefined], isAppUrl)).toEqual(['c', '3']);
  });
});
