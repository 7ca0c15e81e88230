// Cohorts: building versions from a definition, showing them, and previewing one patient's encoding.
import { z } from 'zod';
import { cohortDefinitionSchema, timestepOverrides } from '../cohortDefinition.js';
import { cohortRef, kmPoint, method, quantiles } from './shared.js';

export const cohortRow = z.object({
  id: z.number(),
  name: z.string(),
  version: z.number(),
  dataset: z.string(),
  patients: z.number(),
  train: z.number(),
  holdout: z.number(),
  createdAt: z.string(),
});

export const histogram = z.object({ edges: z.array(z.number()), counts: z.array(z.number()), max: z.number() }).nullable();

export const sequenceSide = z.object({
  patients: z.number(),
  lengths: quantiles.nullable(),
  lengthHistogram: histogram,
  gaps: quantiles.nullable(),
  gapHistogram: histogram,
  observationRate: z.array(z.object({ variable: z.string(), observed: z.number(), steps: z.number(), rate: z.number() })),
});

/** A stored cohort version as the app shows it: attrition, outcome and Kaplan-Meier, split, transforms, sequences. */
export const cohortView = z.object({
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

export const cellValue = z.union([z.string(), z.number(), z.null()]);

/** One patient of a cohort, before and after encoding (the Time step's before/after view). */
export const encodingPreview = z.object({
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

export const cohortsMethods = {
  listCohorts: method('cohorts:list', z.tuple([]), z.array(cohortRow)),
  /** Builds and stores the next version of a cohort (off the main thread); progress on `cohortProgress`. */
  createCohort: method('cohorts:create', z.tuple([cohortDefinitionSchema]), cohortView),
  /** `name`, `name@version` or id. */
  showCohort: method('cohorts:show', z.tuple([cohortRef]), cohortView),
  /** One patient (source id) encoded with the cohort's settings, or with other timestep settings fitted for the preview. */
  previewEncoding: method('cohorts:preview-encoding', z.tuple([cohortRef, z.string().min(1).max(200), timestepOverrides.optional()]), encodingPreview),
  /** A cohort's patients (source ids), for choosing one to preview. */
  cohortPatients: method('cohorts:patients', z.tuple([cohortRef]), z.array(z.object({ key: z.string(), split: z.enum(['train', 'holdout']), days: z.number(), status: z.number() }))),
} as const;

export const cohortsEvents = {
  cohortProgress: { channel: 'cohorts:progress', payload: cohortProgress },
} as const;
