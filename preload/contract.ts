/**
 * The one typed API between the renderer and the main process: every channel,
 * its argument and result schemas, and the progress events. Main registers its
 * handlers from this (main/ipc), the preload exposes exactly this (preload/index.ts),
 * and the renderer imports its types only.
 */
import { z } from 'zod';

const datasetRow = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  timeBasis: z.enum(['calendar', 'relative']),
  createdAt: z.string(),
  patients: z.number(),
  measurements: z.number(),
  events: z.number(),
});

const quantiles = z.object({ n: z.number(), min: z.number(), p25: z.number(), median: z.number(), p75: z.number(), max: z.number(), mean: z.number() });

const datasetSummary = z.object({
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
const importOutcome = z.discriminatedUnion('status', [
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

interface MethodSpec<A extends z.ZodTuple, R extends z.ZodType> {
  channel: string;
  args: A;
  result: R;
}
const method = <A extends z.ZodTuple, R extends z.ZodType>(channel: string, args: A, result: R): MethodSpec<A, R> => ({ channel, args, result });

export const contract = {
  listDatasets: method('datasets:list', z.tuple([]), z.array(datasetRow)),
  inspectDataset: method('datasets:inspect', z.tuple([z.string().min(1).max(200)]), datasetSummary),
  /** Main shows an open dialog for the mapping file; the renderer never supplies a path. */
  importFromMapping: method('import:from-mapping', z.tuple([]), importOutcome),
} as const;

export const events = {
  importProgress: { channel: 'import:progress', payload: importProgress },
} as const;

export type Contract = typeof contract;
export type Events = typeof events;

/** `window.api` as the renderer sees it: one async function per contract method, one subscribe per event. */
export type SynthehrApi = {
  [K in keyof Contract]: (...args: z.input<Contract[K]['args']>) => Promise<z.output<Contract[K]['result']>>;
} & {
  [K in keyof Events as `on${Capitalize<K & string>}`]: (listener: (payload: z.output<Events[K]['payload']>) => void) => () => void;
};

export type DatasetRowDto = z.output<typeof datasetRow>;
export type DatasetSummaryDto = z.output<typeof datasetSummary>;
export type ImportProgressDto = z.output<typeof importProgress>;
export type ImportOutcomeDto = z.output<typeof importOutcome>;
