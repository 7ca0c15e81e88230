/**
 * The one typed API between the renderer and the main process: every channel,
 * its argument and result schemas, and the progress events. Main registers its
 * handlers from this (main/ipc), the preload exposes exactly this (preload/index.ts),
 * and the renderer imports its types only.
 */
import { z } from 'zod';
import { cohortDefinitionSchema, timestepOverrides } from './cohortDefinition.js';

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

const cohortRow = z.object({
  id: z.number(),
  name: z.string(),
  version: z.number(),
  dataset: z.string(),
  patients: z.number(),
  train: z.number(),
  holdout: z.number(),
  createdAt: z.string(),
});

const histogram = z.object({ edges: z.array(z.number()), counts: z.array(z.number()), max: z.number() }).nullable();
const sequenceSide = z.object({
  patients: z.number(),
  lengths: quantiles.nullable(),
  lengthHistogram: histogram,
  gaps: quantiles.nullable(),
  gapHistogram: histogram,
  observationRate: z.array(z.object({ variable: z.string(), observed: z.number(), steps: z.number(), rate: z.number() })),
});
const kmPoint = z.object({
  time: z.number(),
  atRisk: z.number(),
  events: z.number(),
  censored: z.number(),
  survival: z.number(),
  se: z.number(),
  lower: z.number(),
  upper: z.number(),
});

/** A stored cohort version as the app shows it: attrition, outcome and Kaplan-Meier, split, transforms, sequences. */
const cohortView = z.object({
  id: z.number(),
  name: z.string(),
  version: z.number(),
  dataset: z.string(),
  createdAt: z.string(),
  unchanged: z.boolean().optional(),
  definition: cohortDefinitionSchema,
  attrition: z.array(z.object({ step: z.number(), label: z.string(), remaining: z.number(), removed: z.number() })),
  split: z.object({ train: z.number(), holdout: z.number(), byStatus: z.array(z.object({ status: z.number(), train: z.number(), holdout: z.number() })) }),
  outcome: z.object({
    patients: z.number(),
    events: z.number(),
    competing: z.number(),
    censored: z.number(),
    censoringRate: z.number(),
    followUpDays: quantiles.nullable(),
    medianFollowUpReverseKm: z.number().nullable(),
    km: z.object({ n: z.number(), events: z.number(), points: z.array(kmPoint), median: z.number().nullable() }),
    milestones: z.array(z.object({ days: z.number(), survival: z.number(), lower: z.number(), upper: z.number(), atRisk: z.number() })),
  }),
  notes: z.array(z.string()),
  encodingSummary: z.object({
    mode: z.enum(['irregular', 'grid']),
    binDays: z.number().nullable(),
    maxLength: z.number(),
    truncated: z.number(),
    before: sequenceSide,
    after: sequenceSide,
    carriedShare: z.number().nullable(),
    channels: z.object({ statics: z.number(), step: z.number(), outcome: z.number() }),
  }),
  transforms: z.array(z.object({ part: z.enum(['static', 'step', 'outcome']), channel: z.string(), kind: z.string(), transform: z.string(), mask: z.boolean() })),
});

const cellValue = z.union([z.string(), z.number(), z.null()]);

/** One patient of a cohort, before and after encoding (the Time step's before/after view). */
const encodingPreview = z.object({
  cohort: z.object({ id: z.number(), name: z.string(), version: z.number() }),
  patient: z.object({ id: z.number(), sourceKey: z.string(), split: z.enum(['train', 'holdout']) }),
  timeBasis: z.enum(['calendar', 'relative']),
  indexTime: z.number(),
  settings: z.object({ mode: z.enum(['irregular', 'grid']), binDays: z.number().nullable(), carryForward: z.boolean(), maxLength: z.number() }),
  measurements: z.array(z.object({ name: z.string(), kind: z.string(), unit: z.string().nullable() })),
  channels: z.object({ statics: z.array(z.string()), step: z.array(z.string()), outcome: z.array(z.string()) }),
  statics: z.array(z.object({ name: z.string(), kind: z.string(), unit: z.string().nullable(), value: cellValue })),
  staticsEncoded: z.array(z.number()),
  steps: z.array(z.object({ step: z.number(), relTime: z.number(), time: z.number(), values: z.record(z.string(), cellValue), events: z.array(z.string()), encoded: z.array(z.number()) })),
  droppedSteps: z.number(),
  outcome: z.object({ days: z.number(), status: z.union([z.literal(0), z.literal(1), z.literal(2)]), eventType: z.string().nullable(), encoded: z.array(z.number()) }),
  roundTrip: z.boolean(),
});

export const cohortProgress = z.object({ name: z.string(), stage: z.enum(['selecting', 'fitting', 'summarizing']) });

const cohortRef = z.string().min(1).max(200);

/** One patient of any dataset, real or synthetic, for the timeline viewer. */
const patientTimeline = z.object({
  dataset: z.string(),
  key: z.string(),
  keys: z.array(z.string()),
  timeBasis: z.enum(['calendar', 'relative']),
  indexTime: z.number(),
  measurements: z.array(z.object({ name: z.string(), kind: z.string(), unit: z.string().nullable() })),
  steps: z.array(z.object({ time: z.number(), values: z.record(z.string(), z.union([z.string(), z.number(), z.null()])), events: z.array(z.string()) })),
  outcome: z.object({ days: z.number(), status: z.number(), eventType: z.string().nullable() }),
});

export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;

const trainRequest = z.strictObject({
  cohort: cohortRef,
  family: z.enum(['vae', 'timegan']),
  seed: z.number().int().optional(),
  backend: z.enum(['auto', ...BACKEND_NAMES]).optional(),
  steps: z.number().int().min(1).max(1_000_000).optional(),
  hidden: z.number().int().min(2).max(1024).optional(),
  batchSize: z.number().int().min(1).max(4096).optional(),
  learningRate: z.number().positive().max(1).optional(),
  checkpointEvery: z.number().int().min(1).optional(),
});

const runRow = z.object({
  id: z.number(),
  cohort: z.string(),
  family: z.enum(['vae', 'timegan']),
  status: z.enum(['running', 'cancelled', 'completed', 'failed']),
  step: z.number(),
  totalSteps: z.number(),
  backend: z.string(),
  device: z.string(),
  backendReason: z.string(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const lossRow = z.object({ step: z.number(), phase: z.string(), losses: z.record(z.string(), z.number()), ms: z.number() });

export const trainingProgress = z.object({
  runId: z.number(),
  phase: z.string(),
  step: z.number(),
  totalSteps: z.number(),
  losses: z.record(z.string(), z.number()),
  msPerStep: z.number(),
  etaSeconds: z.number(),
  backend: z.string(),
  device: z.string(),
});

/** A run's process started, finished, stopped or failed. */
export const trainingState = z.object({ runId: z.number(), status: z.enum(['running', 'cancelled', 'completed', 'failed']), message: z.string().optional() });

const metricRow = z.object({
  group: z.enum(['fidelity', 'survival', 'privacy', 'detection', 'utility']),
  name: z.string(),
  variable: z.string().optional(),
  value: z.number().nullable(),
  baseline: z.number().nullable().optional(),
  threshold: z.object({ pass: z.number(), warn: z.number(), better: z.enum(['lower', 'higher']) }),
  verdict: z.enum(['pass', 'warn', 'fail', 'n/a']),
  data: z.string(),
  note: z.string().optional(),
});

const kmGridPoint = z.object({ time: z.number(), atRisk: z.number(), survival: z.number(), lower: z.number(), upper: z.number() });

/** The evaluation report as the Evaluate step shows it (the full JSON and HTML are written beside the store). */
const evaluationView = z.object({
  syntheticSet: z.object({ id: z.number(), dataset: z.string(), patients: z.number() }),
  cohort: z.object({ name: z.string(), version: z.number() }),
  /** The dataset the cohort's real patients come from. */
  realDataset: z.string(),
  dataUse: z.object({ train: z.number(), holdout: z.number(), synthetic: z.number(), note: z.string() }),
  headline: z.object({
    /** The worse of the two detectors, |accuracy - 0.5|. */
    discriminativeScore: z.number(),
    classifierAccuracy: z.number(),
    detector: z.enum(['GRU classifier', 'summary-feature random forest']),
    detectors: z.object({
      gru: z.object({ score: z.number(), accuracy: z.number() }),
      forest: z.object({ score: z.number(), accuracy: z.number(), auc: z.number(), baselineAccuracy: z.number(), grouped: z.number() }),
    }),
    predictive: z.object({ tstr: z.number(), trtr: z.number() }),
    cIndex: z.object({ tstr: z.number(), trtr: z.number() }),
    membershipInferenceAuc: z.number(),
    dcrShare: z.number(),
  }),
  metrics: z.array(metricRow),
  /** The per-patient summary features that give the set away to the random forest (share of its Gini decrease), most telling first. */
  detectionFeatures: z.array(z.object({ feature: z.string(), importance: z.number() })),
  verdicts: z.object({ pass: z.number(), warn: z.number(), fail: z.number(), 'n/a': z.number() }),
  /** The share verdict the step opens with: fit / caution / unfit, its reasons and the rule. */
  verdict: z.object({ level: z.enum(['fit', 'caution', 'unfit']), line: z.string(), reasons: z.array(z.string()), rule: z.string(), advice: z.array(z.string()) }),
  /** Curves on a grid of round times, only while 5+ patients are at risk. */
  survival: z.object({
    real: z.array(kmGridPoint),
    synthetic: z.array(kmGridPoint),
    logRankP: z.number(),
  }),
  /** Survival by the levels of one categorical static (levels with fewer than 5 training patients suppressed). */
  strata: z.object({
    variable: z.string().nullable(),
    choices: z.array(z.string()),
    levels: z.array(z.object({ level: z.string(), real: z.array(kmGridPoint), synthetic: z.array(kmGridPoint), logRankP: z.number().nullable() })),
    suppressed: z.array(z.string()),
  }),
  /** Binned counts (real counts of 1 to 4 are null: suppressed). */
  numeric: z.array(z.object({ variable: z.string(), kind: z.string(), unit: z.string().nullable(), edges: z.array(z.number()), real: z.array(z.number().nullable()), synthetic: z.array(z.number()), n: z.object({ real: z.number(), synthetic: z.number() }) })),
  /** The training patients closest to a synthetic one, by internal row number: for the steward, never written to a file. */
  closest: z.array(z.object({ row: z.number(), distance: z.number(), relative: z.number() })),
  reportPaths: z.object({ html: z.string(), json: z.string() }),
});

const reviewCase = z.object({
  position: z.number(),
  label: z.string(),
  statics: z.array(z.object({ name: z.string(), value: z.string() })),
  measurements: z.array(z.object({ name: z.string(), unit: z.string().nullable(), kind: z.string() })),
  steps: z.array(z.object({ day: z.number(), values: z.record(z.string(), z.union([z.string(), z.number()])), events: z.array(z.string()) })),
  outcome: z.object({ day: z.number(), status: z.string() }),
});
const reviewerScore = z.object({ reviewer: z.string(), answered: z.number(), correct: z.number(), accuracy: z.number().nullable(), sensitivity: z.number().nullable(), specificity: z.number().nullable(), pValue: z.number() });
const reviewResults = z.object({
  session: z.object({ id: z.number(), token: z.string(), cases: z.number(), real: z.number(), synthetic: z.number() }),
  reviewers: z.array(reviewerScore),
  pooled: reviewerScore,
  fleissKappa: z.number().nullable(),
  flaggedFeatures: z.array(z.object({ feature: z.string(), count: z.number() })),
});
const exportResult = z.object({
  directory: z.string(),
  files: z.array(z.object({ name: z.string(), rows: z.number() })),
  gate: z.object({ passed: z.boolean(), failures: z.array(z.string()) }),
  /** The share verdict the gate acted on, in one line (the data card opens with it). */
  verdict: z.string(),
  overrideReason: z.string().nullable(),
  dataCard: z.string(),
});

const violationCounts = z.record(z.string(), z.number());
const generateResult = z.object({
  syntheticSetId: z.number(),
  dataset: z.string(),
  patients: z.number(),
  measurements: z.number(),
  events: z.number(),
  violations: violationCounts,
  seconds: z.number(),
});

const filePreview = z.object({
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
const wizardMapping = z.looseObject({
  dataset: z.string().min(1).max(200),
  files: z.array(z.looseObject({ path: z.string().min(1).max(100) })).min(1).max(50),
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
  /** Stops the running import; its transaction is rolled back, the store stays as it was. */
  cancelImport: method('import:cancel', z.tuple([]), z.object({ cancelling: z.boolean() })),
  /** Main shows an open dialog for CSV files and returns a preview of each, by handle. */
  pickImportFiles: method('import:pick-files', z.tuple([]), z.array(filePreview)),
  /** Imports with a mapping built in the wizard, its files named by handle. */
  importWithMapping: method('import:with-mapping', z.tuple([wizardMapping]), importOutcome),
  listCohorts: method('cohorts:list', z.tuple([]), z.array(cohortRow)),
  /** A patient's timeline (the first patient when no key is given). */
  patientTimeline: method('datasets:patient-timeline', z.tuple([z.string().min(1).max(200), z.string().max(200).optional()]), patientTimeline),
  /** Builds and stores the next version of a cohort (off the main thread); progress on `cohortProgress`. */
  createCohort: method('cohorts:create', z.tuple([cohortDefinitionSchema]), cohortView),
  /** `name`, `name@version` or id. */
  showCohort: method('cohorts:show', z.tuple([cohortRef]), cohortView),
  /** One patient (source id) encoded with the cohort's settings, or with other timestep settings fitted for the preview. */
  previewEncoding: method('cohorts:preview-encoding', z.tuple([cohortRef, z.string().min(1).max(200), timestepOverrides.optional()]), encodingPreview),
  /** A cohort's patients (source ids), for choosing one to preview. */
  cohortPatients: method('cohorts:patients', z.tuple([cohortRef]), z.array(z.object({ key: z.string(), split: z.enum(['train', 'holdout']), days: z.number(), status: z.number() }))),
  listRuns: method('training:list-runs', z.tuple([]), z.array(runRow)),
  trainingLosses: method('training:losses', z.tuple([z.number().int().min(1)]), z.array(lossRow)),
  /** Starts a run in its own utility process; progress on `trainingProgress`, outcome on `trainingState`. */
  startTraining: method('training:start', z.tuple([trainRequest]), z.object({ runId: z.number() })),
  resumeTraining: method('training:resume', z.tuple([z.number().int().min(1)]), z.object({ runId: z.number() })),
  /** Stops a run after its next checkpoint. */
  cancelTraining: method('training:cancel', z.tuple([z.number().int().min(1)]), z.object({ cancelling: z.boolean() })),
  /** Evaluates a synthetic set (by dataset name) against its cohort; writes the report files in main's reports folder. */
  evaluate: method('evaluation:run', z.tuple([z.string().min(1).max(200), z.string().max(200).optional(), z.string().max(200).optional()]), evaluationView),
  listSyntheticSets: method('evaluation:list-sets', z.tuple([]), z.array(z.object({ id: z.number(), dataset: z.string(), runId: z.number(), patients: z.number(), createdAt: z.string() }))),
  createReviewSession: method('review:create', z.tuple([z.string().min(1).max(200), z.number().int().min(2).max(500).optional()]), z.object({ id: z.number(), token: z.string(), cases: z.number(), real: z.number(), synthetic: z.number() })),
  listReviewSessions: method('review:list', z.tuple([]), z.array(z.object({ id: z.number(), set: z.string(), cases: z.number(), answers: z.number(), createdAt: z.string() }))),
  /** The cases of a session (no truth) and this reviewer's answers so far: reviewing can stop and resume. */
  reviewCases: method('review:cases', z.tuple([z.number().int().min(1), z.string().min(1).max(100)]), z.object({ cases: z.array(reviewCase), answered: z.array(z.number()) })),
  answerReviewCase: method(
    'review:answer',
    z.tuple([z.number().int().min(1), z.string().min(1).max(100), z.number().int().min(1), z.enum(['real', 'synthetic']), z.number().int().min(1).max(5), z.array(z.string().max(100)).max(50)]),
    z.object({ answered: z.number(), total: z.number() }),
  ),
  reviewResults: method('review:results', z.tuple([z.number().int().min(1)]), reviewResults),
  /** Main asks where to write (a folder dialog); the renderer never supplies a path. Refused by the privacy gate without a reason. */
  exportSynthetic: method('export:run', z.tuple([z.string().min(1).max(200), z.enum(['csv', 'fhir', 'omop']), z.string().max(2000).optional()]), z.union([exportResult, z.object({ cancelled: z.literal(true) })])),
  generateSynthetic: method('training:generate', z.tuple([z.number().int().min(1), z.number().int().min(1).max(1_000_000), z.number().int().optional()]), generateResult),
} as const;

export const events = {
  importProgress: { channel: 'import:progress', payload: importProgress },
  cohortProgress: { channel: 'cohorts:progress', payload: cohortProgress },
  trainingProgress: { channel: 'training:progress', payload: trainingProgress },
  trainingState: { channel: 'training:state', payload: trainingState },
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
export type FilePreviewDto = z.output<typeof filePreview>;
export type CohortRowDto = z.output<typeof cohortRow>;
export type PatientTimelineDto = z.output<typeof patientTimeline>;
export type CohortViewDto = z.output<typeof cohortView>;
export type EncodingPreviewDto = z.output<typeof encodingPreview>;
export type CohortProgressDto = z.output<typeof cohortProgress>;
export type TrainRequestDto = z.output<typeof trainRequest>;
export type RunRowDto = z.output<typeof runRow>;
export type EvaluationViewDto = z.output<typeof evaluationView>;
export type ReviewCaseDto = z.output<typeof reviewCase>;
export type ReviewResultsDto = z.output<typeof reviewResults>;
export type TrainingProgressDto = z.output<typeof trainingProgress>;
export type TrainingStateDto = z.output<typeof trainingState>;
export const resultSchemas = Object.fromEntries(Object.entries(contract).map(([k, v]) => [k, v.result])) as { [K in keyof Contract]: Contract[K]['result'] };
export type { CohortDefinitionInput, Criterion } from './cohortDefinition.js';
