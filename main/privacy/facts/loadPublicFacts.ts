import { readJsonFile } from '../../common/readJsonFile.js';
import { publicFactsSchema, type PublicFacts } from '../../../preload/publicFacts.js';
import { FactsError } from './release.js';
import { quantitiesOf, type CohortSchema } from './quantities.js';

/** Reads a public facts file (JSON), naming the file and the JSON path of every problem. */
export function loadPublicFacts(path: string): PublicFacts {
  const json = readJsonFile(path, 'public facts', (m) => new FactsError(m));
  const parsed = publicFactsSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  throw new FactsError(`${path} is not a valid public facts file:\n${problems.join('\n')}`);
}

/** Refuses a declaration that names what the cohort does not have (a typo would otherwise leave a fact estimated, silently). */
export function checkDeclared(schema: CohortSchema, declared: PublicFacts): void {
  const quantities = quantitiesOf(schema);
  const real = quantities.filter((q) => q.kind === 'real');
  const levels = quantities.filter((q) => q.kind === 'levels' && q.name !== 'events');
  const problems: string[] = [];
  for (const [name, fact] of Object.entries(declared.values)) {
    const q = real.find((x) => x.name === name);
    if (!q) problems.push(`values.${name}: the cohort has no numeric or date variable (or index_date, gap, follow_up, end, length) of that name; it has ${real.map((x) => x.name).join(', ')}`);
    else if (fact.decimals !== undefined && !q.decimals) problems.push(`values.${name}.decimals: only numeric variables have decimals (times: timeDecimals)`);
  }
  if (declared.levels !== 'dataset') {
    for (const [name, list] of Object.entries(declared.levels)) {
      if (!levels.some((x) => x.name === name)) problems.push(`levels.${name}: the cohort has no categorical or binary variable of that name; it has ${levels.map((x) => x.name).join(', ') || 'none'}`);
      if (new Set(list).size !== list.length) problems.push(`levels.${name}: a level is listed twice`);
    }
  } else {
    const unlisted = levels.filter((q) => !schema.variables.find((v) => v.id === q.variableId)?.categories?.length);
    if (unlisted.length) problems.push(`levels: "dataset" needs every categorical variable's list in the dataset, and ${unlisted.map((q) => q.name).join(', ')} have none; list their levels instead`);
  }
  const outcomes = [...schema.def.outcome.events, ...schema.def.outcome.competing];
  if (declared.eventTypes && outcomes.some((t) => !declared.eventTypes!.includes(t))) problems.push(`eventTypes: the outcome's event types (${outcomes.join(', ')}) must be among them`);
  if (problems.length) throw new FactsError(`The public facts (${declared.source}) do not fit cohort "${schema.def.name}":\n${problems.map((p) => `  ${p}`).join('\n')}`);
}
