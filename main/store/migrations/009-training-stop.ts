import type { Migration } from './types.js';

/**
 * Runs that stop on a validation loss: why a run ended (its step budget or the
 * validation loss; NULL for runs from before, and runs not finished) and the
 * step whose weights it kept, with their validation loss; each checkpoint
 * carries those best weights so far, so that a resumed run keeps the same ones.
 */
export const trainingStop: Migration = {
  version: 9,
  name: 'training runs stopped on a validation loss',
  up: `
    ALTER TABLE training_runs ADD COLUMN stopped_by TEXT CHECK (stopped_by IN ('budget', 'validation'));
    ALTER TABLE training_runs ADD COLUMN best_step INTEGER;
    ALTER TABLE training_runs ADD COLUMN best_validation_loss REAL;
    ALTER TABLE checkpoints ADD COLUMN best_weights BLOB;
  `,
};
