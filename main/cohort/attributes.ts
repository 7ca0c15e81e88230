import { levelOf } from '../common/levels.js';
import type { Encoding, StaticField } from '../sequence/encoding.js';
import type { PatientTimeline } from '../sequence/timeline.js';

/*
 * What patients are grouped by: each categorical static, the decade of age at
 * index, the outcome status. The subgroup report judges a set by them, a
 * conditional model is told them and a condition asks for them, all through
 * these functions, so that the three mean one thing.
 */

/** An attribute: a name, its levels, and a patient's level (null: unknown). */
export interface Attribute {
  name: string;
  levels: string[];
  levelOf: (tl: PatientTimeline) => string | null;
}

const YEAR = 365.25;
export const AGE_BANDS = ['under 40', '40-49', '50-59', '60-69', '70-79', '80 and over'];
export const AGE_BAND = 'age band at index';
/** The age band (AGE_BANDS) of an age in years. */
export const ageBandOf = (years: number) => AGE_BANDS[Math.max(0, Math.min(AGE_BANDS.length - 1, Math.floor(years / 10) - 3))]!;

export const OUTCOME_LEVELS = ['event', 'competing event', 'censored'];
export const OUTCOME_STATUS = 'outcome status';

/** Categorical statics with 2 to 8 levels: the variables patients can be grouped (and survival stratified) by. */
export const stratifiable = (enc: Encoding): StaticField[] => enc.statics.filter((f) => f.variableId !== null && f.codec.type !== 'numeric' && f.codec.levels.length >= 2 && f.codec.levels.length <= 8);

/** A patient's level of a categorical static (its text, or its number as text), or null when absent. */
export function staticLevelOf(tl: PatientTimeline, variableId: number): string | null {
  const s = tl.statics.get(variableId);
  return s ? levelOf(s.num, s.txt) : null;
}

/**
 * A patient's age in years at the index date: from a date static whose name says it is the birth
 * date, else from a numeric static named age (years at the index, as an ICU extract gives it); null
 * when the cohort has neither.
 */
export function ageAtIndex(enc: Encoding): ((tl: PatientTimeline) => number | null) | null {
  const birth = enc.statics.find((f) => f.kind === 'date' && f.variableId !== null && /birth|dob/i.test(f.name));
  const age = birth ? undefined : enc.statics.find((f) => f.kind === 'numeric' && f.variableId !== null && /^age(?![a-z])/i.test(f.name));
  const field = birth ?? age;
  if (!field) return null;
  return (tl) => {
    const v = tl.statics.get(field.variableId!)?.num;
    if (v == null) return null;
    return birth ? (tl.indexTime - v) / YEAR : v;
  };
}

function ageBand(enc: Encoding): Attribute | null {
  const age = ageAtIndex(enc);
  if (!age) return null;
  return {
    name: AGE_BAND,
    levels: AGE_BANDS,
    levelOf: (tl) => {
      const years = age(tl);
      return years === null ? null : ageBandOf(years);
    },
  };
}

const outcomeStatus: Attribute = {
  name: OUTCOME_STATUS,
  levels: OUTCOME_LEVELS,
  levelOf: (tl) => OUTCOME_LEVELS[tl.outcome.status === 1 ? 0 : tl.outcome.status === 2 ? 1 : 2]!,
};

/** The attributes of a cohort: categorical statics (2 to 8 levels), the age band at index (where an age can be read), the outcome status. */
export function cohortAttributes(enc: Encoding): Attribute[] {
  const statics = stratifiable(enc).map(
    (f): Attribute => ({
      name: f.name,
      levels: f.codec.type === 'numeric' ? [] : f.codec.levels,
      levelOf: (tl) => staticLevelOf(tl, f.variableId!),
    }),
  );
  const age = ageBand(enc);
  return [...statics, ...(age ? [age] : []), outcomeStatus];
}
