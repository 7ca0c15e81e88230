import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CohortDefinitionInput } from '../../main/cohort/definition.js';
import { createCohort } from '../../main/cohort/cohortService.js';
import type { Db } from '../../main/store/database.js';
import { selectBackend } from '../../main/training/backend.js';
import { freshStore, importWorkedExample, ROOT } from './store.js';

export const COHORTS = join(ROOT, 'resources', 'cohorts');

/** A shipped cohort definition (resources/cohorts), optionally changed. */
export function cohortDefinition(name: 'steno2-death' | 'icu-death', change: Partial<CohortDefinitionInput> = {}): CohortDefinitionInput {
  const def = JSON.parse(readFileSync(join(COHORTS, `${name}.cohort.json`), 'utf8')) as CohortDefinitionInput;
  return { ...def, ...change };
}

const DAY = 86_400_000;
export const isoDays = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;

/** A fresh store with Steno-2 imported and its death cohort (steno2_death) built, on the default backend. */
export async function steno2CohortStore(): Promise<{ db: Db; path: string }> {
  await selectBackend('auto');
  const { db, path } = freshStore();
  await importWorkedExample(db, 'steno2');
  createCohort(db, cohortDefinition('steno2-death'));
  return { db, path };
}
