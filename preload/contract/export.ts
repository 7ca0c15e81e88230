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
});

export const exportSetMethods = {
  /** Main asks where to write (a folder dialog); the renderer never supplies a path. Refused by the privacy gate without a reason. */
  exportSynthetic: method('export:run', z.tuple([z.string().min(1).max(200), z.enum(['csv', 'fhir', 'omop']), z.string().max(2000).optional()]), z.union([exportResult, z.object({ cancelled: z.literal(true) })])),
} as const;

export const exportSetEvents = {} as const;
