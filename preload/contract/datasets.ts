// Datasets: listing, inspecting, importing (from a mapping file or the wizard) and one patient's timeline.
import { z } from 'zod';
import { method, quantiles } from './shared.js';

export const datasetRow = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  timeBasis: z.enum(['calendar', 'relative']),
  createdAt: z.string(),
  patients: z.number(),
  measurements: z.number(),
  events: z.number(),
});

export const datasetSummary = z.object({
  dataset: datasetRow,
  visits: z.number(),
  visitsPerPatient: quantiles.nullable(),
  followUpDays: quantiles.nullable(),
  outcomes: z.number(),
  outcomeEvents: z.array(z.object({ type: z.string(), count: z.number() })),
  censoringRate: z.number().nullable(),
  events: z.array(z.object({ type: z.string(), count: z.number(), patients: z.number() })),
  variables: z.array(
    z.object({
      variable: z.object({
        id: z.number(),
        name: z.string(),
        role: z.enum(['static', 'measurement']),
        kind: z.enum(['numeric', 'categorical', 'binary', 'date']),
        unit: z.string().nullable(),
        sourceFile: z.string(),
        sourceColumn: z.string(),
        categories: z.array(z.string()).nullable(),
      }),
      observed: z.number(),
      missingShare: z.number(),
      numeric: quantiles.optional(),
      categories: z.array(z.object({ level: z.string(), count: z.number() })).optional(),
    }),
  ),
  imports: z.array(
    z.object({
      id: z.number(),
      startedAt: z.string(),
      finishedAt: z.string(),
      rowsRead: z.number(),
      warningCount: z.number(),
      files: z.array(z.object({ fileName: z.string(), path: z.string(), sizeBytes: z.number(), sha256: z.string(), rowsRead: z.number() })),
      warningsByRule: z.array(z.object({ rule: z.string(), count: z.number() })),
      warnings: z.array(
        z.object({
          rule: z.string(),
          fileName: z.string(),
          line: z.number().nullable(),
          column: z.string().nullable(),
          value: z.string().nullable(),
          message: z.string(),
        }),
      ),
    }),
  ),
});

/** Outcome of an import started from the app; failures carry the file/line/column message. */
export const importOutcome = z.discriminatedUnion('status', [
  z.object({ status: z.literal('imported'), dataset: z.string(), patients: z.number(), measurements: z.number(), warningCount: z.number(), seconds: z.number() }),
  z.object({ status: z.literal('cancelled') }),
  z.object({ status: z.literal('failed'), message: z.string() }),
]);

export const importProgress = z.object({
  file: z.string(),
  fileIndex: z.number(),
  fileCount: z.number(),
  bytesRead: z.number(),
  bytesTotal: z.number(),
  rows: z.number(),
});

export const filePreview = z.object({
  /** An opaque handle: main keeps the path, the renderer never sees or supplies one. */
  fileId: z.string(),
  name: z.string(),
  sizeBytes: z.number(),
  header: z.array(z.string()),
  rows: z.array(z.array(z.string())),
  kinds: z.record(z.string(), z.enum(['numeric', 'categorical', 'binary', 'date'])),
  sampledRows: z.number(),
});

/** An import mapping whose files are handles from pickImportFiles (checked in full by main's mapping schema). */
export const wizardMapping = z.looseObject({
  dataset: z.string().min(1).max(200),
  files: z.array(z.looseObject({ path: z.string().min(1).max(100) })).min(1).max(50),
});

/** One patient of any dataset, real or synthetic, for the timeline viewer. */
export const patientTimeline = z.object({
  dataset: z.string(),
  key: z.string(),
  keys: z.array(z.string()),
  timeBasis: z.enum(['calendar', 'relative']),
  indexTime: z.number(),
  measurements: z.array(z.object({ name: z.string(), kind: z.string(), unit: z.string().nullable() })),
  steps: z.array(z.object({ time: z.number(), values: z.record(z.string(), z.union([z.string(), z.number(), z.null()])), events: z.array(z.string()) })),
  outcome: z.object({ days: z.number(), status: z.number(), eventType: z.string().nullable() }),
});

export const datasetsMethods = {
  listDatasets: method('datasets:list', z.tuple([]), z.array(datasetRow)),
  inspectDataset: method('datasets:inspect', z.tuple([z.string().min(1).max(200)]), datasetSummary),
  /** Main shows an open dialog for the mapping file; the renderer never supplies a path. */
  importFromMapping: method('import:from-mapping', z.tuple([]), importOutcome),
  /** Stops the running import; its transaction is rolled back, the store stays as it was. */
  cancelImport: method('import:cancel', z.tuple([]), z.object({ cancelling: z.boolean() })),
  /** Main shows an open dialog for CSV files and returns a preview of each, by handle. */
  pickImportFiles: method('import:pick-files', z.tuple([]), z.array(filePreview)),
  /** Imports with a mapping built in the wizard, its files named by handle. */
  importWithMapping: method('import:with-mapping', z.tuple([wizardMapping]), importOutcome),
  /** A patient's timeline (the first patient when no key is given). */
  patientTimeline: method('datasets:patient-timeline', z.tuple([z.string().min(1).max(200), z.string().max(200).optional()]), patientTimeline),
} as const;

export const datasetsEvents = {
  importProgress: { channel: 'import:progress', payload: importProgress },
} as const;
