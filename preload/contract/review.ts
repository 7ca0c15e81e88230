// Review: blinded sessions of real and synthetic cases, answers, and the results.
import { z } from 'zod';
import { method } from './shared.js';

export const reviewCase = z.object({
  position: z.number(),
  label: z.string(),
  statics: z.array(z.object({ name: z.string(), value: z.string() })),
  measurements: z.array(z.object({ name: z.string(), unit: z.string().nullable(), kind: z.string() })),
  steps: z.array(z.object({ day: z.number(), values: z.record(z.string(), z.union([z.string(), z.number()])), events: z.array(z.string()) })),
  outcome: z.object({ day: z.number(), status: z.string() }),
});

export const reviewerScore = z.object({ reviewer: z.string(), answered: z.number(), correct: z.number(), accuracy: z.number().nullable(), sensitivity: z.number().nullable(), specificity: z.number().nullable(), pValue: z.number() });

export const reviewResults = z.object({
  /** `subgroup`: the one subgroup ("sex = F") its cases were drawn from, or null. */
  session: z.object({ id: z.number(), token: z.string(), cases: z.number(), real: z.number(), synthetic: z.number(), subgroup: z.string().nullable() }),
  reviewers: z.array(reviewerScore),
  pooled: reviewerScore,
  fleissKappa: z.number().nullable(),
  flaggedFeatures: z.array(z.object({ feature: z.string(), count: z.number() })),
});

export const reviewMethods = {
  /** A blinded session of a set (set, cases, and optionally one subgroup both its real and synthetic cases come from). */
  createReviewSession: method(
    'review:create',
    z.tuple([z.string().min(1).max(200), z.number().int().min(2).max(500).optional(), z.strictObject({ attribute: z.string().min(1).max(200), level: z.string().min(1).max(200) }).optional()]),
    z.object({ id: z.number(), token: z.string(), cases: z.number(), real: z.number(), synthetic: z.number(), subgroup: z.string().nullable() }),
  ),
  listReviewSessions: method('review:list', z.tuple([]), z.array(z.object({ id: z.number(), set: z.string(), cases: z.number(), answers: z.number(), createdAt: z.string(), subgroup: z.string().nullable() }))),
  /** The cases of a session (no truth) and this reviewer's answers so far: reviewing can stop and resume. */
  reviewCases: method('review:cases', z.tuple([z.number().int().min(1), z.string().min(1).max(100)]), z.object({ cases: z.array(reviewCase), answered: z.array(z.number()) })),
  answerReviewCase: method(
    'review:answer',
    z.tuple([z.number().int().min(1), z.string().min(1).max(100), z.number().int().min(1), z.enum(['real', 'synthetic']), z.number().int().min(1).max(5), z.array(z.string().max(100)).max(50)]),
    z.object({ answered: z.number(), total: z.number() }),
  ),
  reviewResults: method('review:results', z.tuple([z.number().int().min(1)]), reviewResults),
} as const;

export const reviewEvents = {} as const;
