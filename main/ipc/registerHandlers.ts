import { app, dialog, type BrowserWindow } from 'electron';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { previewCsvFile } from '../ingest/filePreview.js';
import { writeWizardMapping } from '../ingest/wizardMapping.js';
import { contract, events } from '../../preload/contract.js';
import { cancelRunningImport, runImportInUtilityProcess } from '../app/importRunner.js';
import type { StoreClient } from '../app/storeClient.js';
import type { TrainingRunner } from '../app/trainingRunner.js';
import { handle } from './handle.js';
import type { StoreMethod } from './storeMethods.js';

const STORE_METHODS: StoreMethod[] = [
  'listDatasets',
  'inspectDataset',
  'listCohorts',
  'patientTimeline',
  'createCohort',
  'showCohort',
  'previewEncoding',
  'cohortPatients',
  'listRuns',
  'trainingLosses',
  'generateSynthetic',
  'evaluate',
  'listSyntheticSets',
  'createReviewSession',
  'listReviewSessions',
  'reviewCases',
  'answerReviewCase',
  'reviewResults',
];

/**
 * Registers every contract method; each goes through `handle`, which checks the
 * sender and the arguments. Store work is answered by the store utility process.
 */
export function registerHandlers(store: StoreClient, training: TrainingRunner, dbPath: string, window: () => BrowserWindow | undefined): void {
  const trusted = (sender: Electron.WebContents) => sender === window()?.webContents;
  for (const method of STORE_METHODS) {
    handle(contract[method], (...args: unknown[]) => store.call(method, args) as never, trusted);
  }
  handle(contract.startTraining, (request) => training.start(request), trusted);
  handle(contract.resumeTraining, (runId) => training.resume(runId), trusted);
  handle(contract.cancelTraining, (runId) => training.cancel(runId), trusted);
  handle(contract.cancelImport, () => cancelRunningImport(), trusted);
  handle(
    contract.exportSynthetic,
    async (set, format, reason) => {
      const win = window();
      const options = { title: 'Choose a folder for the export', properties: ['openDirectory' as const, 'createDirectory' as const] };
      const choice = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
      const directory = choice.filePaths[0];
      if (choice.canceled || !directory) return { cancelled: true as const };
      return store.callInternal('exportTo', [set, format, directory, reason], contract.exportSynthetic.result);
    },
    trusted,
  );
  // Files chosen in the wizard, by handle: the renderer never holds a path.
  const chosen = new Map<string, string>();
  handle(
    contract.pickImportFiles,
    async () => {
      const win = window();
      const options = { title: 'Choose the CSV files of a dataset', filters: [{ name: 'CSV files', extensions: ['csv'] }], properties: ['openFile' as const, 'multiSelections' as const] };
      const choice = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
      if (choice.canceled) return [];
      return Promise.all(
        choice.filePaths.map(async (path) => {
          const fileId = randomUUID();
          chosen.set(fileId, path);
          return { fileId, ...(await previewCsvFile(path)) };
        }),
      );
    },
    trusted,
  );
  handle(
    contract.importWithMapping,
    async (mapping) => {
      let mappingPath: string;
      try {
        mappingPath = writeWizardMapping(mapping, (id) => chosen.get(id), mkdtempSync(join(app.getPath('temp'), 'synthehr-wizard-')));
      } catch (err) {
        return { status: 'failed' as const, message: (err as Error).message };
      }
      return runImportInUtilityProcess(dbPath, mappingPath, (progress) => window()?.webContents.send(events.importProgress.channel, progress));
    },
    trusted,
  );
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
