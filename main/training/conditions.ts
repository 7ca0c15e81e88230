import type { CohortDefinition } from '../cohort/definition.js';
import { levelOf } from '../common/levels.js';
import { ageAtIndex, ageBandOf, cohortAttributes, AGE_BAND, AGE_BANDS, OUTCOME_LEVELS, OUTCOME_STATUS } from '../cohort/attributes.js';
import type { Encoding, StaticField } from '../sequence/encoding.js';
import type { PatientTimeline } from '../sequence/timeline.js';
import { TrainingError } from './trainingError.js';

/*
 * What generated patients must be: clauses on statics ("sex=F", "age>=70") and
 * on the outcome ("death", "censored"), all of which a patient meets or not. A
 * clause on a subgroup attribute (a categorical static, the age band at index,
 * the outcome status) also says which of its levels it allows: what a model
 * trained with that attribute as a condition is given (see conditionInput).
 */

/** One clause: as the user wrote it (normalised), its test, and the subgroup attribute levels it allows (null: none a model is told of). */
export interface Clause {
  text: string;
  test: (tl: PatientTimeline) => boolean;
  attribute: { name: string; levels: string[] } | null;
}

export interface Condition {
  clauses: Clause[];
  /** The clauses joined by "and" (the data card and messages say it so). */
  text: string;
}

/** A condition as the CLI and the app state it: `where` clauses on statics, and an outcome. */
export interface ConditionRequest {
  where?: string[];
  outcome?: string;
}

type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';
const CLAUSE = /^\s*([^<>=!]+?)\s*(<=|>=|!=|=|<|>)\s*(.+?)\s*$/;
const compare: Record<Operator, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** What a cohort's conditions can name: attributes a model can be told, statics a clause can test, outcomes. */
export function conditionChoices(cohort: { encoding: Encoding; definition: CohortDefinition }) {
  const enc = cohort.encoding;
  const statics = enc.statics
    .filter((f) => f.variableId !== null && f.kind !== 'date')
    .map((f) => ({ name: f.name, kind: f.codec.type === 'numeric' ? ('numeric' as const) : ('categorical' as const), levels: f.codec.type === 'numeric' ? [] : f.codec.levels }));
  if (ageAtIndex(enc) && !statics.some((s) => s.name.toLowerCase() === 'age')) statics.push({ name: 'age', kind: 'numeric', levels: [] });
  const { events, competing } = cohort.definition.outcome;
  return {
    attributes: cohortAttributes(enc).map((a) => ({ name: a.name, levels: a.levels })),
    statics,
    outcomes: ['event', ...(events.length > 1 ? events : []), ...(competing.length ? ['competing', ...competing] : []), 'censored'],
  };
}

export const isEmptyCondition = (r: ConditionRequest | undefined) => !r || ((r.where?.length ?? 0) === 0 && !r.outcome);

/** Parses and checks a condition against a cohort's encoding and outcome; a clause that names nothing the cohort has, or a level it lacks, is refused with what it has. */
export function parseCondition(request: ConditionRequest, enc: Encoding, definition: CohortDefinition): Condition {
  const clauses = (request.where ?? []).map((w) => whereClause(w, enc));
  if (request.outcome !== undefined) clauses.push(outcomeClause(request.outcome, definition));
  return { clauses, text: clauses.map((c) => c.text).join(' and ') };
}

export function meets(condition: Condition, tl: PatientTimeline): boolean {
  return condition.clauses.every((c) => c.test(tl));
}

/** The levels of each attribute the condition restricts (clauses on one attribute intersect). */
export function allowedLevels(condition: Condition): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of condition.clauses) {
    if (!c.attribute) continue;
    const before = out.get(c.attribute.name);
    out.set(c.attribute.name, before ? before.filter((l) => c.attribute!.levels.includes(l)) : c.attribute.levels);
  }
  return out;
}

function whereClause(text: string, enc: Encoding): Clause {
  const m = CLAUSE.exec(text);
  if (!m) throw new TrainingError(`The condition "${text}" is not NAME=VALUE or NAME<op>NUMBER (op one of = != < <= > >=), e.g. sex=F or "age>=70".`);
  const [, name, op, value] = m as unknown as [string, string, Operator, string];
  const statics = enc.statics.filter((f) => f.variableId !== null);
  const field = statics.find((f) => f.name.toLowerCase() === name.toLowerCase());
  const age = ageAtIndex(enc);
  if (field && field.codec.type !== 'numeric') return levelClause(field, op, value);
  if (!field && name.toLowerCase() === 'age' && age) {
    const x = numberOf(text, value);
    const bands = AGE_BANDS.filter((band) => bandMayMeet(band, op, x));
    return { text: `age at index ${op} ${x}`, test: (tl) => holds(age(tl), op, x), attribute: { name: AGE_BAND, levels: bands } };
  }
  if (field && field.kind === 'numeric') {
    const x = numberOf(text, value);
    const id = field.variableId!;
    // A numeric static read as the age at index (an ICU extract's age) is also the age band's.
    const asAge = age && /^age(?![a-z])/i.test(field.name) ? { name: AGE_BAND, levels: AGE_BANDS.filter((band) => bandMayMeet(band, op, x)) } : null;
    return { text: `${field.name} ${op} ${x}`, test: (tl) => holds(tl.statics.get(id)?.num ?? null, op, x), attribute: asAge };
  }
  if (field) throw new TrainingError(`The condition "${text}": ${field.name} is a ${field.kind}, which conditions cannot test; use a categorical or numeric static${age ? ', or age' : ''}.`);
  const names = statics.filter((f) => f.kind !== 'date').map((f) => f.name);
  if (age && !names.some((n) => n.toLowerCase() === 'age')) names.push('age');
  throw new TrainingError(`The condition "${text}" names "${name}", which is not a static of this cohort. Statics a condition can name: ${names.join(', ')}.`);
}

function levelClause(field: StaticField, op: Operator, value: string): Clause {
  const levels = field.codec.type === 'numeric' ? [] : field.codec.levels;
  const level = levels.find((l) => l === value) ?? levels.find((l) => l.toLowerCase() === value.toLowerCase());
  if (level === undefined) throw new TrainingError(`The condition "${field.name}${op}${value}": ${field.name} has the levels ${levels.join(', ')}; "${value}" is not one of them.`);
  if (op !== '=' && op !== '!=') throw new TrainingError(`The condition "${field.name}${op}${value}": ${field.name} is categorical; use = or !=.`);
  const id = field.variableId!;
  const allowed = op === '=' ? [level] : levels.filter((l) => l !== level);
  return {
    text: `${field.name} ${op} ${level}`,
    test: (tl) => {
      const s = tl.statics.get(id);
      const l = s ? levelOf(s.num, s.txt) : null;
      return l !== null && allowed.includes(l);
    },
    attribute: { name: field.name, levels: allowed },
  };
}

/** The outcome: "event" (any of the cohort's outcome events), "competing", "censored", or one event type by name. */
function outcomeClause(value: string, definition: CohortDefinition): Clause {
  const v = value.trim().toLowerCase();
  const { events, competing } = definition.outcome;
  const attribute = (level: string) => ({ name: OUTCOME_STATUS, levels: [level] });
  if (v === 'event') return { text: 'outcome event', test: (tl) => tl.outcome.status === 1, attribute: attribute(OUTCOME_LEVELS[0]!) };
  if (v === 'competing' || v === 'competing event') return { text: 'competing event', test: (tl) => tl.outcome.status === 2, attribute: attribute(OUTCOME_LEVELS[1]!) };
  if (v === 'censored') return { text: 'censored', test: (tl) => tl.outcome.status === 0, attribute: attribute(OUTCOME_LEVELS[2]!) };
  const type = [...events, ...competing].find((e) => e.toLowerCase() === v);
  if (type === undefined) {
    const choices = ['event', ...events, ...(competing.length ? ['competing', ...competing] : []), 'censored'];
    throw new TrainingError(`The outcome "${value}" is not one of this cohort's: ${choices.join(', ')}.`);
  }
  const status = events.includes(type) ? 1 : 2;
  // With one event type of its status, naming it is the same as naming the status.
  const only = (status === 1 ? events : competing).length === 1;
  return {
    text: `outcome ${type}`,
    test: (tl) => tl.outcome.status === status && (only || tl.outcome.eventType === type),
    attribute: attribute(OUTCOME_LEVELS[status === 1 ? 0 : 1]!),
  };
}

function numberOf(text: string, value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new TrainingError(`The condition "${text}": "${value}" is not a number.`);
  return x;
}

const holds = (v: number | null, op: Operator, x: number) => v !== null && compare[op](v, x);

/** Whether some age in a band (AGE_BANDS; ages taken as real numbers) meets `op x`. */
function bandMayMeet(band: string, op: Operator, x: number): boolean {
  const i = AGE_BANDS.indexOf(band);
  const lo = i === 0 ? -Infinity : 30 + 10 * i;
  const hi = i === AGE_BANDS.length - 1 ? Infinity : 40 + 10 * i; // exclusive
  switch (op) {
    case '=':
      return ageBandOf(x) === band;
    case '!=':
      return true;
    case '<':
      return lo < x;
    case '<=':
      return lo <= x;
    case '>':
      return hi > x;
    case '>=':
      return hi > x;
  }
}
