import type { Migration } from './types.js';

/**
 * Synthetic sets generated under a condition ("sex = F and outcome death") or
 * to a balance target: what was asked, how the model was told it, and how many
 * drafted patients met it (JSON, see main/training/setCondition.ts); NULL for
 * a set of the whole cohort, as every set before was.
 */
export const syntheticCondition: Migration = {
  version: 10,
  name: 'conditions of synthetic sets',
  up: `
    ALTER TABLE synthetic_sets ADD COLUMN condition_json TEXT;
  `,
};
