import { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { rendererEntryUrl } from './appProtocol.js';
import { hardenWebContents } from './security.js';

/** The one window factory: every window is isolated, sandboxed and without Node. */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'SynthEHR Studio',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      devTools: !!process.env.ELECTRON_RENDERER_URL,
    },
  });
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(rendererEntryUrl());
  return win;
}
