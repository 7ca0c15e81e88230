import { describe, expect, it } from 'vitest';
import { contract } from '../../preload/contract.js';
import { appFilePath, isAppUrl } from '../../main/app/appOrigin.js';
import { IpcValidationError, validateCall } from '../../main/ipc/validateCall.js';

describe('navigation and the app:// protocol', () => {
  it('treats only app://studio/ as the app: every other origin is navigation away, and blocked', () => {
    expect(isAppUrl('app://studio/index.html')).toBe(true);
    for (const url of ['https://example.org/', 'app://studio.evil.org/', 'app://other/index.html', 'file:///etc/passwd', 'http://127.0.0.1:5173/', 'javascript:alert(1)', 'data:text/html,hi']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });

  it('serves files of the renderer folder only', () => {
    expect(appFilePath('/opt/app/renderer', 'app://studio/assets/index.js')).toBe('/opt/app/renderer/assets/index.js');
    expect(appFilePath('/opt/app/renderer', 'app://studio/')).toBe('/opt/app/renderer/index.html');
    // Dot segments, plain or percent-encoded, never leave the folder.
    for (const url of ['app://studio/../../../etc/passwd', 'app://studio/%2e%2e/%2e%2e/etc/passwd', 'app://studio/assets/..%2f..%2f..%2fetc/passwd']) {
      const file = appFilePath('/opt/app/renderer', url);
      expect(file === null || file.startsWith('/opt/app/renderer/'), `${url} -> ${file}`).toBe(true);
    }
    expect(appFilePath('/opt/app/renderer', 'app://elsewhere/index.html')).toBeNull();
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
