import { cohortAttributes, type Attribute } from '../cohort/attributes.js';
import type { ConditionLayout } from '../models/conditioning.js';
import type { Encoding } from '../sequence/encoding.js';
import type { PatientTimeline } from '../sequence/timeline.js';
import { TrainingError } from './trainingError.js';

/*
 * Which attributes a conditional model is given, and the one-hot rows it reads.
 * They are the subgroup report's attributes (a categorical static, the age band
 * at index, the outcome status), read from each patient's timeline by the same
 * functions, so that what a model was told, what a condition asks and what the
 * report judges are one thing.
 */

export interface ConditionAttributes {
  attributes: Attribute[];
  layout: ConditionLayout;
}

/** Every attribute a run of this cohort can be conditioned on, by name. */
export const conditionNames = (enc: Encoding): string[] => cohortAttributes(enc).map((a) => a.name);

/** The named attributes (in that order) and their columns; a name the cohort has no attribute of is refused with the names it has. */
export function conditionAttributes(enc: Encoding, names: readonly string[]): ConditionAttributes {
  const all = cohortAttributes(enc);
  const attributes = names.map((name) => {
    const a = all.find((x) => x.name === name) ?? all.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!a) throw new TrainingError(`"${name}" is not an attribute this cohort can be conditioned on. It can be: ${all.map((x) => x.name).join(', ')}.`);
    return a;
  });
  let offset = 0;
  const groups = attributes.map((a) => {
    const g = { offset, width: a.levels.length };
    offset += a.levels.length;
    return g;
  });
  return { attributes, layout: { width: offset, groups } };
}

/** [K]: a timeline's level of each attribute, one-hot; zeros where the level is unknown. */
export function conditionRow(timeline: PatientTimeline, given: ConditionAttributes): Float32Array {
  const out = new Float32Array(given.layout.width);
  given.attributes.forEach((a, j) => {
    const level = a.levels.indexOf(a.levelOf(timeline) ?? '');
    if (level >= 0) out[given.layout.groups[j]!.offset + level] = 1;
  });
  return out;
}

/** Rows of conditionRow, one after another ([n, K]). */
export function stackRows(rows: readonly Float32Array[], K: number): Float32Array {
  const out = new Float32Array(rows.length * K);
  rows.forEach((r, i) => out.set(r, i * K));
  return out;
}
