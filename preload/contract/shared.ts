// Pieces every slice of the contract uses: the method builder and shared shapes.
import { z } from 'zod';

export interface MethodSpec<A extends z.ZodTuple, R extends z.ZodType> {
  channel: string;
  args: A;
  result: R;
}

/** One contract method: its IPC channel, argument tuple and result schema. */
export const method = <A extends z.ZodTuple, R extends z.ZodType>(channel: string, args: A, result: R): MethodSpec<A, R> => ({ channel, args, result });

export const quantiles = z.object({ n: z.number(), min: z.number(), p25: z.number(), median: z.number(), p75: z.number(), max: z.number(), mean: z.number() });

export const kmPoint = z.object({
  time: z.number(),
  atRisk: z.number(),
  events: z.number(),
  censored: z.number(),
  survival: z.number(),
  se: z.number(),
  lower: z.number(),
  upper: z.number(),
});

export const cohortRef = z.string().min(1).max(200);
