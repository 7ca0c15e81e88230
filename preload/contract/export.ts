// Export: a synthetic set written as CSV, FHIR or OMOP behind the privacy gate, into a folder main asks for.
import { z } from 'zod';
import { method } from './shared.js';

export const exportResult = z.object({
  directory: z.string(),
  files: z.array(z.object({ name: z.string(), rows: z.number() })),
  gate: z.object({ passed: z.boolean(), failures: z.array(z.string()) }),
  /** The share verdict the gate acted on, in one line (the data card opens with it). */
  verdict: z.string(),
  overrideReason: z.string().nullable(),
  /** When the evaluation the gate acted on was made, and whether it was the set's stored one (else made for this export). */
  evaluatedAt: z.string(),
  evaluationReused: z.boolean(),
  dataCard: z.string(),
  /** The release as the privacy ledger entered it, in one line (the data card's), and the reason given for passing the budget. */
  ledgerLine: z.string(),
  overBudgetReason: z.string().nullable(),
});

const composition = z.object({ models: z.number(), epsilon: z.number().nullable(), delta: z.number(), unbounded: z.array(z.string()) });
const release = z.object({
  id: z.number(),
  runId: z.number(),
  syntheticSet: z.string(),
  epsilon: z.number().nullable(),
  delta: z.number().nullable(),
  budgetEpsilon: z.number().nullable(),
  overBudgetReason: z.string().nullable(),
  releasedAt: z.string(),
});
export const ledgerView = composition.extend({ sourceDataset: z.string(), budget: z.number().nullable(), releases: z.array(release), line: z.string() });

/** What exporting a set would add to its real dataset's privacy ledger. */
export const plannedRelease = z.object({
  ledger: ledgerView,
  runId: z.number(),
  epsilon: z.number().nullable(),
  delta: z.number().nullable(),
  modelReleasedBefore: z.boolean(),
  after: composition.extend({ line: z.string() }),
  withinBudget: z.boolean(),
});

export const exportSetMethods = {
  /** Main asks where to write (a folder dialog); the renderer never supplies a path. Refused by the privacy gate without a reason. */
  /** The last argument: the reason for passing the epsilon budget of the set's real dataset (recorded in the ledger and the data card). */
  exportSynthetic: method(
    'export:run',
    z.tuple([z.string().min(1).max(200), z.enum(['csv', 'fhir', 'omop']), z.string().max(2000).optional(), z.string().max(2000).optional()]),
    z.union([exportResult, z.object({ cancelled: z.literal(true) })]),
  ),
  /** The privacy ledger of a synthetic set's real dataset, and what exporting the set would add to it. */
  plannedRelease: method('export:planned-release', z.tuple([z.string().min(1).max(200)]), plannedRelease),
  /** Sets (null: removes) the epsilon budget of a synthetic set's real dataset; its ledger then. */
  setPrivacyBudget: method('export:set-budget', z.tuple([z.string().min(1).max(200), z.number().positive().max(1000).nullable()]), ledgerView),
} as const;

export const exportSetEvents = {} as const;
