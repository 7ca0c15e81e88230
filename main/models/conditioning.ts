import type { Rng } from '../common/rng.js';

/*
 * A conditional model's extra input: one one-hot group per condition attribute
 * (main/training/conditionInput.ts says which), all zeros where the attribute is
 * not given. Trained with condition dropout, so that one model generates with
 * any subset of its attributes given, none included (the whole cohort).
 */

export interface ConditionLayout {
  /** Columns in all (K). */
  width: number;
  /** Each attribute's columns: [offset, offset + width). */
  groups: { offset: number; width: number }[];
}

/** Share of training patients shown no condition at all (what unconditional generation asks). */
export const DROP_ALL = 0.3;
/** Of the others, the share of attributes hidden one by one (so that any subset of them is a question the model has seen). */
export const DROP_EACH = 0.3;

/** The batch with its condition input dropped out (dropConditions); a batch without one, or a model without conditions, as it is. */
export function withDroppedConditions<B extends { size: number; conditions?: Float32Array }>(batch: B, layout: ConditionLayout | undefined, rng: Rng): B {
  return layout && batch.conditions ? { ...batch, conditions: dropConditions(batch.conditions, batch.size, layout, rng) } : batch;
}

/** A copy of `c` ([B, K]) with condition dropout: a patient's whole input zeroed with DROP_ALL, else each attribute's group with DROP_EACH. */
export function dropConditions(c: Float32Array, B: number, layout: ConditionLayout, rng: Rng): Float32Array {
  const out = Float32Array.from(c);
  const K = layout.width;
  for (let b = 0; b < B; b++) {
    const all = rng.next() < DROP_ALL;
    for (const g of layout.groups) if (all || rng.next() < DROP_EACH) out.fill(0, b * K + g.offset, b * K + g.offset + g.width);
  }
  return out;
}
