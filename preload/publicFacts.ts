import { z } from 'zod';

/*
 * What a steward declares public about a cohort's values: facts that come from
 * clinical knowledge, a data dictionary or a study protocol, not from these
 * patients (an HbA1c in mmol/mol lies between 20 and 200 and is written in
 * whole numbers; arm is Conv or Int). A private run takes declared facts as
 * they are, at no cost to its budget, and estimates the rest with a private
 * release (release.ts) that costs part of it. Declaring a fact read off the
 * data itself voids the guarantee: the file says where a value came from.
 */

const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi) && hi > lo, { message: 'a range is [low, high] with high above low' });

const value = z.strictObject({
  /** The lowest and highest value (dates: days from the index date; index_date and end: days on the store's calendar). */
  range: range.optional(),
  /** Decimals the values are written with (0: whole numbers). */
  decimals: z.number().int().min(0).max(9).optional(),
});

export const publicFactsSchema = z.strictObject({
  /** Where the facts come from, for the data card (e.g. "lab reference ranges of the hospital's laboratory handbook"). */
  source: z.string().min(1),
  /** Per numeric or date variable by name, and index_date, gap, follow_up, end, length. */
  values: z.record(z.string(), value).default({}),
  /** Per categorical or binary variable, its levels; "dataset": every list the dataset's variables hold is a public data dictionary. */
  levels: z.union([z.literal('dataset'), z.record(z.string(), z.array(z.string()).min(1))]).default({}),
  /** The event types a patient can have. */
  eventTypes: z.array(z.string().min(1)).optional(),
  /** Decimals of times in days (0: whole days). */
  timeDecimals: z.number().int().min(0).max(9).optional(),
});

export type PublicFacts = z.infer<typeof publicFactsSchema>;

export const NO_PUBLIC_FACTS: PublicFacts = { source: 'none declared', values: {}, levels: {} };
