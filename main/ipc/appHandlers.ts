import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { basename, join } from 'node:path';
import { contract, type Implementation, type MethodName } from '../../preload/contract.js';
import { exportResult } from '../../preload/contract/export.js';
import { previewCsvFile } from '../ingest/filePreview.js';
import { loadPublicFacts } from '../privacy/facts/loadPublicFacts.js';
import { writeWizardMapping } from '../ingest/wizardMapping.js';
import type { ImportRunner } from './importRunner.js';
import type { StoreClient } from './storeClient.js';
import type { StoreMethod } from './storeHandlers.js';
import type { TrainingRunner } from './trainingRunner.js';

/** The file dialogs main shows (Electron's in the app, scripted in the renderer tests): the renderer never supplies a path. */
export interface Dialogs {
  /** The import mapping file chosen, or null when cancelled. */
  chooseMappingFile(): Promise<string | null>;
  /** The CSV files of a dataset; none when cancelled. */
  chooseCsvFiles(): Promise<string[]>;
  /** A folder to export into, or null when cancelled. */
  chooseExportFolder(): Promise<string | null>;
  /** A public facts file (JSON) for a private run, or null when cancelled. */
  choosePublicFactsFile(): Promise<string | null>;
}

/** What main's own handlers work with. */
export interface AppServices {
  store: StoreClient;
  training: TrainingRunner;
  imports: ImportRunner;
  dialogs: Dialogs;
  /** Where the wizard's mappings are written. */
  tempDir: string;
}

/**
 * The contract methods main answers itself rather than the store process:
 * processes to start, dialogs to show, files chosen by handle. Plain Node: the
 * app binds them to IPC (registerHandlers.ts), the renderer tests call them.
 */
export function mainHandlers(s: AppServices) {
  // Files chosen in the wizard, by handle: the renderer never holds a path.
  const chosen = new Map<string, string>();
  return {
    startTraining: (request) => s.training.start(request),
    resumeTraining: (runId) => s.training.resume(runId),
    cancelTraining: (runId) => s.training.cancel(runId),
    cancelImport: () => s.imports.cancel(),
    importFromMapping: async () => {
      const mappingPath = await s.dialogs.chooseMappingFile();
      return mappingPath ? s.imports.run(mappingPath) : { status: 'cancelled' as const };
    },
    pickImportFiles: async () =>
      Promise.all(
        (await s.dialogs.chooseCsvFiles()).map(async (path) => {
          const fileId = randomUUID();
          chosen.set(fileId, path);
          return { fileId, ...(await previewCsvFile(path)) };
        }),
      ),
    importWithMapping: async (mapping) => {
      let mappingPath: string;
      try {
        mappingPath = writeWizardMapping(mapping, (id) => chosen.get(id), mkdtempSync(join(s.tempDir, 'synthehr-wizard-')));
      } catch (err) {
        return { status: 'failed' as const, message: (err as Error).message };
      }
      return s.imports.run(mappingPath);
    },
    choosePublicFacts: async () => {
      const path = await s.dialogs.choosePublicFactsFile();
      return path ? { file: basename(path), facts: loadPublicFacts(path) } : null;
    },
    exportSynthetic: async (set, format, reason, overBudgetReason) => {
      const directory = await s.dialogs.chooseExportFolder();
      if (!directory) return { cancelled: true as const };
      return s.store.callInternal('exportTo', [set, format, directory, reason, overBudgetReason], exportResult);
    },
  } satisfies Partial<Implementation>;
}

type MainMethod = keyof ReturnType<typeof mainHandlers>;

// Checked when compiling: every contract method is answered, by the store process or by main, and by one of them only.
type Unanswered = Exclude<MethodName, StoreMethod | MainMethod>;
type AnsweredTwice = StoreMethod & MainMethod;
export const EVERY_METHOD_ANSWERED_ONCE: [Unanswered, AnsweredTwice] extends [never, never] ? true : { unanswered: Unanswered; twice: AnsweredTwice } = true;

/** Every contract method: main's own, the rest forwarded to the store process. */
export function appHandlers(s: AppServices): Implementation {
  const own: Partial<Record<MethodName, unknown>> = mainHandlers(s);
  const forwarded = (Object.keys(contract) as MethodName[]).filter((m) => !Object.hasOwn(own, m)).map((m) => [m, (...args: unknown[]) => s.store.call(m, args)]);
  return { ...Object.fromEntries(forwarded), ...own } as Implementation;
}
