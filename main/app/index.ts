// Electron main process: lifecycle, security, the window and the IPC handlers. Thin by design:
// the work is done by the plain-Node services under main/ (the CLI uses the same ones).
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { appHandlers } from '../ipc/appHandlers.js';
import { ImportRunner } from '../ipc/importRunner.js';
import { registerHandlers } from '../ipc/registerHandlers.js';
import { StoreClient } from '../ipc/storeClient.js';
import { TrainingRunner } from '../ipc/trainingRunner.js';
import { openDatabase } from '../store/database.js';
import { events, type Emit } from '../../preload/contract.js';
import { electronDialogs } from './electronDialogs.js';
import { spawnUtilityWorker } from './utilityWorkers.js';
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
    const emit: Emit = (event, payload) => mainWindow?.webContents.send(events[event].channel, payload);
    const store = new StoreClient(dbPath, emit, spawnUtilityWorker);
    const training = new TrainingRunner(dbPath, emit, spawnUtilityWorker);
    const imports = new ImportRunner(dbPath, emit, spawnUtilityWorker);
    app.on('will-quit', () => {
      training.dispose();
      store.dispose();
    });
    const handlers = appHandlers({ store, training, imports, dialogs: electronDialogs(() => mainWindow), tempDir: app.getPath('temp') });
    registerHandlers(handlers, (sender) => sender === mainWindow?.webContents);
    mainWindow = createMainWindow();
    mainWindow.on('closed', () => (mainWindow = undefined));
  });
}
