import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CohortDefinitionInput } from '../../main/cohort/definition.js';
import { ROOT } from './store.js';

export const COHORTS = join(ROOT, 'resources', 'cohorts');

/** A shipped cohort definition (resources/cohorts), optionally changed. */
export function cohortDefinition(name: 'steno2-death' | 'icu-death', change: Partial<CohortDefinitionInput> = {}): CohortDefinitionInput {
  const def = JSON.parse(readFileSync(join(COHORTS, `${name}.cohort.json`), 'utf8')) as CohortDefinitionInput;
  return { ...def, ...change };
}

const DAY = 86_400_000;
export const isoDays = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
