import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { Dialogs } from '../ipc/appHandlers.js';

/** Main's file dialogs, attached to the app's window when there is one. */
export function electronDialogs(window: () => BrowserWindow | undefined): Dialogs {
  const open = async (options: OpenDialogOptions) => {
    const win = window();
    const choice = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
    return choice.canceled ? [] : choice.filePaths;
  };
  return {
    chooseMappingFile: async () => (await open({ title: 'Choose an import mapping', filters: [{ name: 'Import mapping', extensions: ['json'] }], properties: ['openFile'] }))[0] ?? null,
    chooseCsvFiles: () => open({ title: 'Choose the CSV files of a dataset', filters: [{ name: 'CSV files', extensions: ['csv'] }], properties: ['openFile', 'multiSelections'] }),
    chooseExportFolder: async () => (await open({ title: 'Choose a folder for the export', properties: ['openDirectory', 'createDirectory'] }))[0] ?? null,
    choosePublicFactsFile: async () => (await open({ title: 'Choose the public facts of a private run', filters: [{ name: 'Public facts', extensions: ['json'] }], properties: ['openFile'] }))[0] ?? null,
  };
}
