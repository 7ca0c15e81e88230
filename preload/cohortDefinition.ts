/**
 * The cohort definition schema: who is in (index date, criteria), how their
 * outcome is read (events, competing events, censoring, horizon), how their
 * time is cut into steps, and the train/holdout split. Shared by the contract
 * (the app sends definitions) and main (which applies them). Pure zod: no Node.
 * Documented with a worked example in the README ("Cohorts").
 */
import { publicFactsSchema } from './publicFacts.js';
import { z } from 'zod';

/** Days relative to the patient's index date; both ends inclusive, open when left out. */
const window = z.strictObject({
  fromDays: z.number().optional(),
  toDays: z.number().optional(),
});
export type DayWindow = z.infer<typeof window>;

const common = {
  /** Shown in the attrition table; a description is made up when left out. */
  label: z.string().min(1).optional(),
  /** Remove the patients who match instead of keeping them. */
  exclude: z.boolean().default(false),
};

const criterion = z.discriminatedUnion('type', [
  /** Age at the index date, from a birth-date static or a numeric age static. */
  z.strictObject({ type: z.literal('age'), variable: z.string().min(1), min: z.number().optional(), max: z.number().optional(), ...common }),
  /** A static attribute: one of some levels, or a numeric range (both ends inclusive). */
  z.strictObject({
    type: z.literal('static'),
    variable: z.string().min(1),
    in: z.array(z.union([z.string(), z.number()])).min(1).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    ...common,
  }),
  /** At least `min` visits (distinct measurement times) within the window. */
  z.strictObject({ type: z.literal('visits'), min: z.number().int().min(1), window: window.optional(), ...common }),
  /** A measurement above/below a value (or one of some levels) within the window. */
  z.strictObject({
    type: z.literal('measurement'),
    variable: z.string().min(1),
    above: z.number().optional(),
    below: z.number().optional(),
    in: z.array(z.string()).min(1).optional(),
    window: window.optional(),
    ...common,
  }),
  /** Any event of these types within the window (e.g. `{"toDays": -1}`: before the index date). */
  z.strictObject({ type: z.literal('event'), eventTypes: z.array(z.string().min(1)).min(1), window: window.optional(), ...common }),
  /** At least `minDays` of follow-up after the index date (to the outcome or censoring). */
  z.strictObject({ type: z.literal('followUp'), minDays: z.number().min(0), ...common }),
]);
export type Criterion = z.infer<typeof criterion>;

const indexRule = z.discriminatedUnion('from', [
  /** The index date set at import (the mapping's `index` column). */
  z.strictObject({ from: z.literal('dataset') }),
  /** A date static, e.g. study entry. */
  z.strictObject({ from: z.literal('static'), variable: z.string().min(1) }),
  /** The first visit (first measurement time). */
  z.strictObject({ from: z.literal('first-visit') }),
  /** The first event of these types. */
  z.strictObject({ from: z.literal('first-event'), eventTypes: z.array(z.string().min(1)).min(1) }),
]);
export type IndexRule = z.infer<typeof indexRule>;

export const AGGREGATES = ['last', 'mean', 'max'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const TRANSFORMS = ['auto', 'standard', 'minmax', 'log'] as const;
export type TransformChoice = (typeof TRANSFORMS)[number];

const outcome = z.strictObject({
  /** Event types that are the outcome (e.g. `["death"]`). */
  events: z.array(z.string().min(1)).min(1),
  /** Other terminal events kept as competing events (status 2). */
  competing: z.array(z.string().min(1)).default([]),
  /** Other events that end follow-up as censoring. */
  censorOn: z.array(z.string().min(1)).default([]),
  /** Administrative censoring this many days after the index date. */
  horizonDays: z.number().positive().optional(),
  /**
   * An outcome event recorded after the end of follow-up: `censor` (strict: the
   * patient is censored at follow-up end) or `exit` (the patient left follow-up
   * with the event, counted at follow-up end, as Epi's Lexis does for Steno-2).
   */
  afterFollowUpEnd: z.enum(['censor', 'exit']).default('censor'),
});
export type OutcomeRule = z.infer<typeof outcome>;

export const timestepsObject = z.strictObject({
  /** `irregular`: one step per visit or event; `grid`: fixed-width bins. */
  mode: z.enum(['irregular', 'grid']).default('irregular'),
  /** Bin width in days (grid mode); a day at least, the finest time the store keeps reliably for every dataset. */
  binDays: z.number().min(1, 'a grid bin is at least one day wide').optional(),
  /** How several values in one bin become one, per variable (grid mode). */
  aggregate: z.record(z.string(), z.enum(AGGREGATES)).default({}),
  defaultAggregate: z.enum(AGGREGATES).default('last'),
  /** Grid mode: fill empty bins with the last value, adding a time-since-last-observed channel. */
  carryForward: z.boolean().default(false),
  /** Steps kept per patient (the first ones); the longest sequence when left out. */
  maxLength: z.number().int().min(1).optional(),
});
export const timestepsSchema = timestepsObject.refine((t) => t.mode !== 'grid' || t.binDays !== undefined, { message: 'grid mode needs binDays', path: ['binDays'] });
export type TimestepSpec = z.infer<typeof timestepsSchema>;

/** Timestep settings tried on a stored cohort (previews): only what is given changes. */
export const timestepOverrides = z.strictObject({
  mode: z.enum(['irregular', 'grid']).optional(),
  binDays: z.number().min(1, 'a grid bin is at least one day wide').optional(),
  aggregate: z.record(z.string(), z.enum(AGGREGATES)).optional(),
  defaultAggregate: z.enum(AGGREGATES).optional(),
  carryForward: z.boolean().optional(),
  maxLength: z.number().int().min(1).optional(),
});
export type TimestepOverrides = z.infer<typeof timestepOverrides>;

export const cohortDefinitionSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
  dataset: z.string().min(1),
  description: z.string().optional(),
  index: indexRule.default({ from: 'dataset' }),
  criteria: z.array(criterion).default([]),
  /** The part of each patient's record that becomes the sequence, relative to the index date. */
  window: z.strictObject({ fromDays: z.number().max(0).default(0), toDays: z.number().positive().optional() }).default({ fromDays: 0 }),
  outcome,
  timesteps: timestepsSchema.default({ mode: 'irregular', aggregate: {}, defaultAggregate: 'last', carryForward: false }),
  /** Variables left out of the sequences (identifiers such as an ICU number, or anything the model should not learn). */
  drop: z.array(z.string().min(1)).default([]),
  /** Per numeric variable: `auto` picks log for right-skewed values (skewness > 1), else standard. */
  transforms: z.record(z.string(), z.enum(TRANSFORMS)).default({}),
  // Up to 0.98 held out: a model trained on a few patients of a cohort can be judged against the many others (bench:quality --transfer).
  split: z.strictObject({ holdout: z.number().min(0).max(0.98).default(0.2), seed: z.number().int().default(1) }).default({ holdout: 0.2, seed: 1 }),
  /** Facts about the values the steward declares public (ranges, decimals, levels), for private runs: taken at no cost to their budget (see publicFacts.ts). */
  public: publicFactsSchema.optional(),
});
export type CohortDefinition = z.infer<typeof cohortDefinitionSchema>;
export type CohortDefinitionInput = z.input<typeof cohortDefinitionSchema>;

