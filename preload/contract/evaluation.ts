// Evaluation: a synthetic set judged against its cohort (the Evaluate step's view; the full report is written beside the store).
import { z } from 'zod';
import { method } from './shared.js';

export const metricRow = z.object({
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

export const kmGridPoint = z.object({ time: z.number(), atRisk: z.number(), survival: z.number(), lower: z.number(), upper: z.number() });

/** The evaluation report as the Evaluate step shows it (the full JSON and HTML are written beside the store). */
export const evaluationView = z.object({
  syntheticSet: z.object({ id: z.number(), dataset: z.string(), patients: z.number() }),
  cohort: z.object({ name: z.string(), version: z.number() }),
  /** The dataset the cohort's real patients come from. */
  realDataset: z.string(),
  dataUse: z.object({ train: z.number(), holdout: z.number(), synthetic: z.number(), note: z.string() }),
  /** A set generated under a condition: the share of it that meets it, what the model was told, the share of drafts kept; null for the whole cohort. */
  condition: z
    .object({
      text: z.string(),
      met: z.number(),
      modelled: z.array(z.string()),
      acceptance: z.number(),
      /** All of it in one sentence, as the report and the data card say it. */
      line: z.string(),
      balance: z.object({ attribute: z.string(), levels: z.array(z.object({ level: z.string(), target: z.number(), achieved: z.number() })), omitted: z.array(z.string()) }).optional(),
    })
    .nullable(),
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
  /**
   * The set judged subgroup by subgroup (categorical statics, age band at index, outcome status): shares
   * (real shares resting on 1 to 4 patients are null), and for subgroups with enough holdout patients
   * their measures beside the holdout's; the worst measure against its pass line.
   */
  subgroups: z.object({
    minimumHoldout: z.number(),
    rows: z.array(
      z.object({
        attribute: z.string(),
        level: z.string(),
        train: z.number().nullable(),
        holdout: z.number().nullable(),
        synthetic: z.number(),
        judged: z.boolean(),
        metrics: z.array(metricRow),
      }),
    ),
    worst: z.object({ subgroup: z.string(), metric: z.string(), value: z.number(), baseline: z.number().nullable(), pass: z.number(), verdict: z.enum(['pass', 'warn', 'fail', 'n/a']) }).nullable(),
  }),
  /** Binned counts (real counts of 1 to 4 are null: suppressed). */
  numeric: z.array(z.object({ variable: z.string(), kind: z.string(), unit: z.string().nullable(), edges: z.array(z.number()), real: z.array(z.number().nullable()), synthetic: z.array(z.number()), n: z.object({ real: z.number(), synthetic: z.number() }) })),
  /** The training patients closest to a synthetic one, by internal row number: for the steward, never written to a file. */
  closest: z.array(z.object({ row: z.number(), distance: z.number(), relative: z.number() })),
  reportPaths: z.object({ html: z.string(), json: z.string() }),
});

export const evaluationMethods = {
  /** Evaluates a synthetic set (by dataset name) against its cohort; writes the report files in main's reports folder. */
  evaluate: method('evaluation:run', z.tuple([z.string().min(1).max(200), z.string().max(200).optional(), z.string().max(200).optional()]), evaluationView),
  listSyntheticSets: method('evaluation:list-sets', z.tuple([]), z.array(z.object({ id: z.number(), dataset: z.string(), runId: z.number(), patients: z.number(), createdAt: z.string(), cohort: z.string() }))),
} as const;

export const evaluationEvents = {} as const;
