import { dialog, type BrowserWindow } from 'electron';
import { contract, events } from '../../preload/contract.js';
import { runImportInUtilityProcess } from '../app/importRunner.js';
import { listDatasets, summarizeDataset } from '../ingest/datasetSummary.js';
import type { Db } from '../store/database.js';
import { handle } from './handle.js';

/** Registers every contract method; each goes through `handle`, which checks the sender and the arguments. */
export function registerHandlers(db: Db, dbPath: string, window: () => BrowserWindow | undefined): void {
  const trusted = (sender: Electron.WebContents) => sender === window()?.webContents;
  handle(contract.listDatasets, () => listDatasets(db), trusted);
  handle(contract.inspectDataset, (nameOrId) => summarizeDataset(db, nameOrId), trusted);
  handle(
    contract.importFromMapping,
    async () => {
      const win = window();
      const choice = await (win
        ? dialog.showOpenDialog(win, { title: 'Choose an import mapping', filters: [{ name: 'Import mapping', extensions: ['json'] }], properties: ['openFile'] })
        : dialog.showOpenDialog({ properties: ['openFile'] }));
      const mappingPath = choice.filePaths[0];
      if (choice.canceled || !mappingPath) return { status: 'cancelled' as const };
      return runImportInUtilityProcess(dbPath, mappingPath, (progress) =>
        win?.webContents.send(events.importProgress.channel, progress),
      );
    },
    trusted,
  );
}
