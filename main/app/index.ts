// Electron main process: lifecycle, security, the window and the IPC handlers. Thin by design:
// the work is done by the plain-Node services under main/ (the CLI uses the same ones).
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { registerHandlers } from '../ipc/registerHandlers.js';
import { openDatabase } from '../store/database.js';
import { events } from '../../preload/contract.js';
import { StoreClient } from './storeClient.js';
import { TrainingRunner } from './trainingRunner.js';
import { registerAppScheme, serveRenderer } from './appProtocol.js';
import { hardenSession } from './security.js';
import { createMainWindow } from './window.js';

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  let mainWindow: BrowserWindow | undefined;
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(() => {
    hardenSession();
    serveRenderer(join(import.meta.dirname, '../renderer'));
    const dbPath = join(app.getPath('userData'), 'synthehr.db');
    // Migrate (or refuse a newer file) before anything else; the store process does the rest.
    openDatabase(dbPath).close();
    const store = new StoreClient(dbPath, (channel, payload) => mainWindow?.webContents.send(channel, payload));
    const send = (channel: string, payload: unknown) => mainWindow?.webContents.send(channel, payload);
    const training = new TrainingRunner(dbPath, (p) => send(events.trainingProgress.channel, p), (s) => send(events.trainingState.channel, s));
    app.on('will-quit', () => {
      training.dispose();
      store.dispose();
    });
    registerHandlers(store, training, dbPath, () => mainWindow);
    mainWindow = createMainWindow();
    mainWindow.on('closed', () => (mainWindow = undefined));
  });
}
