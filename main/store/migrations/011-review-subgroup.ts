import type { Migration } from './types.js';

/** A review session drawn from one subgroup ("sex = F"): its cases, real and synthetic, all of it; NULL for a session of the whole set. */
export const reviewSubgroup: Migration = {
  version: 11,
  name: 'review sessions of one subgroup',
  up: `
    ALTER TABLE review_sessions ADD COLUMN subgroup TEXT;
  `,
};
