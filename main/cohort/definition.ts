import { readJsonFile } from '../common/readJsonFile.js';
import { CohortDefinitionError } from '../common/errors.js';
import { cohortDefinitionSchema, type CohortDefinition, type Criterion, type DayWindow } from '../../preload/cohortDefinition.js';

/* Reading and describing cohort definitions; the schema itself is shared with the app (preload/cohortDefinition.ts). */
export * from '../../preload/cohortDefinition.js';

export { CohortDefinitionError } from '../common/errors.js';

/** Parses a definition, naming the JSON path of every problem. */
export function parseDefinition(input: unknown, source = 'cohort definition'): CohortDefinition {
  const parsed = cohortDefinitionSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  throw new CohortDefinitionError(`${source} is not a valid cohort definition:\n${problems.join('\n')}`);
}

export function loadDefinition(path: string): CohortDefinition {
  return parseDefinition(
    readJsonFile(path, 'cohort definition', (m) => new CohortDefinitionError(m)),
    path,
  );
}

/** A short description of a criterion for the attrition table. */
export function describeCriterion(c: Criterion): string {
  if (c.label) return c.label;
  const verb = c.exclude ? 'exclude' : 'keep';
  const win = 'window' in c && c.window ? ` ${describeWindow(c.window)}` : '';
  switch (c.type) {
    case 'age':
      return `${verb} age at index ${range(c.min, c.max)} (from ${c.variable})`;
    case 'static':
      return `${verb} ${c.variable} ${c.in ? `in {${c.in.join(', ')}}` : range(c.min, c.max)}`;
    case 'visits':
      return `${verb} at least ${c.min} visit${c.min === 1 ? '' : 's'}${win}`;
    case 'measurement': {
      const cond = [c.above !== undefined ? `> ${c.above}` : '', c.below !== undefined ? `< ${c.below}` : '', c.in ? `in {${c.in.join(', ')}}` : '']
        .filter(Boolean)
        .join(' and ');
      return `${verb} ${c.variable} ${cond || 'measured'}${win}`;
    }
    case 'event':
      return `${verb} ${c.eventTypes.join(' or ')} event${win}`;
    case 'followUp':
      return `${verb} follow-up of at least ${c.minDays} days`;
  }
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `${min}..${max}`;
  if (min !== undefined) return `>= ${min}`;
  if (max !== undefined) return `<= ${max}`;
  return 'recorded';
}

export function describeWindow(w: DayWindow): string {
  if (w.fromDays === undefined && w.toDays === undefined) return 'at any time';
  if (w.fromDays === undefined) return `up to day ${w.toDays} from index`;
  if (w.toDays === undefined) return `from day ${w.fromDays} from index`;
  return `from day ${w.fromDays} to ${w.toDays} from index`;
}
