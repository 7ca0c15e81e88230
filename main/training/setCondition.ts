import { MIN_CELL } from '../common/disclosure.js';
import type { TrainingData } from '../models/minibatch.js';
import { subsetOf } from '../models/minibatch.js';
import type { PatientTimeline } from '../sequence/timeline.js';
import { apportion, type BalancePart, type BalanceRequest, type SetBalance } from './balance.js';
import { allowedLevels, meets, type Condition, type ConditionRequest } from './conditions.js';
import { conditionRow, stackRows, type ConditionAttributes } from './conditionInput.js';
import { TrainingError } from './trainingError.js';

/*
 * Generating under a condition. Each generated patient of a conditional model
 * is told all the attributes of one training patient who meets it (the
 * condition's own, and the others as such patients have them, so that, say,
 * "age >= 65" spreads over its age bands, and the women's outcomes are as
 * the real women's) and the VAE draws its latent patients from theirs. Every drafted patient is then tested against the whole
 * condition: one that misses it (a clause the model was not told of, or a
 * draw that strayed) is discarded, and the share kept is reported.
 */

/** What a set was generated under, as stored with it (synthetic_sets.condition_json) and shown on its data card. */
export interface SetCondition {
  /** As asked (read again to judge the set against the real patients who meet it). */
  request: { where: string[]; outcome?: string; balance?: BalanceRequest };
  /** What every patient meets ('' for a set only balanced). */
  text: string;
  clauses: string[];
  /** The attributes the run's model was told; the other clauses were met only by discarding the drafts that missed them. */
  modelled: string[];
  /** Training patients who meet the condition (never fewer than MIN_CELL: fewer are refused); null for a private model's set (not counted). */
  trainingPatients: number | null;
  drafts: number;
  accepted: number;
  /** A set balanced on an attribute: each level's target share, patients and drafts. */
  balance?: SetBalance;
}

/** One part of a set: its patients all meet `condition` (null: the whole cohort); `drafts` counts those drawn for it. */
export interface Part {
  condition: Condition | null;
  members: ConditionMembers | null;
  patients: number;
  drafts: number;
  level?: string;
  target?: number;
}

/**
 * The parts of a request: the whole of it, or a balanced set's levels with their patients
 * (apportioned to the target; an equal target leaves out, and lists, levels fewer than MIN_CELL
 * training patients have; a level given a share must have them). Without `counted` (a private
 * model's set), every level is kept and none is checked: its training patients were not counted.
 */
export function planParts(total: number, condition: Condition | null, base: ConditionMembers | null, balanced: BalancePart[] | null, members: ConditionMembers[], cohort: string, counted = true): { parts: Part[]; omitted: string[] } {
  if (!balanced) return { parts: [{ condition, members: base, patients: total, drafts: 0 }], omitted: [] };
  const explicit = balanced.some((p) => p.target !== null);
  if (explicit && counted) members.forEach((m) => m.checkEnough(cohort));
  const kept = balanced.map((p, i) => ({ ...p, members: members[i]! })).filter((p) => explicit || !counted || p.members.ids.length >= MIN_CELL);
  const omitted = balanced.filter((p) => !kept.some((k) => k.level === p.level)).map((p) => p.level);
  if (kept.length === 0) throw new TrainingError(`No level of the balanced attribute has ${MIN_CELL} or more training patients${condition ? ` who meet ${condition.text}` : ''}: there is no one to learn them from.`);
  const targets = kept.map((p) => p.target ?? 1 / kept.length);
  const counts = apportion(total, targets);
  return { parts: kept.map((p, i) => ({ condition: p.condition, members: p.members, patients: counts[i]!, drafts: 0, level: p.level, target: targets[i]! })), omitted };
}

/** What is stored and shown of a set's condition and balance; null for a set of the whole cohort. */
export function describeParts(request: { condition?: ConditionRequest; balance?: BalanceRequest }, condition: Condition | null, base: ConditionMembers | null, planned: { parts: Part[]; omitted: string[] }, trainPatients: number | null): SetCondition | null {
  const { parts, omitted } = planned;
  if (!condition && !request.balance) return null;
  const asked = request.condition;
  const attribute = request.balance ? parts[0]!.condition!.clauses.at(-1)!.attribute!.name : null;
  return {
    request: { where: asked?.where ?? [], ...(asked?.outcome === undefined ? {} : { outcome: asked.outcome }), ...(request.balance ? { balance: request.balance } : {}) },
    text: condition?.text ?? '',
    clauses: condition?.clauses.map((c) => c.text) ?? [],
    modelled: [...new Set(parts.flatMap((p) => p.members?.modelled ?? []))],
    trainingPatients: trainPatients === null ? null : base ? base.ids.length : trainPatients,
    drafts: parts.reduce((a, p) => a + p.drafts, 0),
    accepted: parts.reduce((a, p) => a + p.patients, 0),
    ...(attribute ? { balance: { attribute, levels: parts.map((p) => ({ level: p.level!, target: p.target!, patients: p.patients, drafts: p.drafts })), omitted } } : {}),
  };
}

/** One paragraph on a set's condition: what every patient meets, how the model was told, and the share of drafts kept. */
export function describeSetCondition(c: SetCondition): string {
  const told = c.modelled.length ? `the model was told ${c.modelled.join(', ')}` : 'the model was told nothing of it';
  const pct = ((100 * c.accepted) / Math.max(1, c.drafts)).toFixed(1);
  const b = c.balance;
  const balance = b
    ? `Balanced on ${b.attribute}: ${b.levels.map((l) => `${l.level} ${l.patients} (target ${(100 * l.target).toFixed(1)}%)`).join(', ')}${b.omitted.length ? `; left out, fewer than ${MIN_CELL} training patients: ${b.omitted.join(', ')}` : ''}. `
    : '';
  const meets = c.text ? `Every patient meets ${c.text} (${c.trainingPatients === null ? 'a private model: its training patients who do were not counted' : `${c.trainingPatients} training patients do`}). ` : '';
  return `${balance}${meets}Kept ${c.accepted} of ${c.drafts} drafts (${pct}%; ${told}); the others missed their condition and were discarded.`;
}

/** Drafts a request may take before it is refused as too rare to sample: 100 per patient asked for, at least 2,000. */
export const maxDrafts = (patients: number) => Math.max(2000, 100 * patients);

/**
 * The training patients who meet a condition, as a conditional model is told of them. A model
 * trained with differential privacy (`askedOnly`) is told the condition's own levels alone (an
 * attribute the condition leaves one level of), never a training patient's: its generation
 * reads nothing of the real patients that its privacy budget does not cover.
 */
export class ConditionMembers {
  readonly ids: number[] = [];
  private readonly rows: Float32Array[] = [];
  readonly modelled: string[];
  private readonly asked: Float32Array | null;
  private index = 0;

  constructor(
    readonly condition: Condition,
    private readonly given: ConditionAttributes | null,
    askedOnly = false,
  ) {
    const allowed = allowedLevels(condition);
    const told = (name: string) => given !== null && given.attributes.some((a) => a.name === name) && (!askedOnly || allowed.get(name)!.length === 1);
    this.modelled = [...allowed.keys()].filter(told);
    this.asked = given && askedOnly ? askedRow(given, allowed, this.modelled) : null;
  }

  /** Sees the training split's timelines in the training data's order. */
  readonly see = (tl: PatientTimeline): void => {
    if (meets(this.condition, tl)) {
      this.ids.push(this.index);
      if (this.given) this.rows.push(conditionRow(tl, this.given));
    }
    this.index++;
  };

  /** Refuses a condition too rare to learn from: no training patient meets it, or fewer than MIN_CELL (who would be retraced, and whose count is not shown). */
  checkEnough(cohort: string): void {
    const n = this.ids.length;
    if (n === 0) throw new TrainingError(`No patient in the training split of cohort ${cohort} meets ${this.condition.text}: there is no one to learn such patients from. Loosen the condition.`);
    if (n < MIN_CELL) throw new TrainingError(`Fewer than ${MIN_CELL} patients in the training split of cohort ${cohort} meet ${this.condition.text}: too few to learn such patients from without retracing them. Loosen the condition.`);
  }

  /** The members' training data, each with its condition input (for the VAE's latent; see Model.fitSampler). */
  data(view: TrainingData): TrainingData {
    const members = subsetOf(view, this.ids);
    return this.given ? { ...members, conditions: stackRows(this.rows, this.given.layout.width) } : members;
  }

  /** [n, K]: the condition input of n drafts, each a member's drawn at random (or the condition's own levels: see askedOnly); undefined for a model without one. */
  draw(n: number, pick: (members: number) => number): Float32Array | undefined {
    if (!this.given) return undefined;
    if (this.asked) return stackRows(Array.from({ length: n }, () => this.asked!), this.given.layout.width);
    return stackRows(Array.from({ length: n }, () => this.rows[pick(this.rows.length)]!), this.given.layout.width);
  }
}

/** [K]: the one level the condition leaves each of the `told` attributes, one-hot; zeros for the others (not told). */
function askedRow(given: ConditionAttributes, allowed: Map<string, string[]>, told: string[]): Float32Array {
  const row = new Float32Array(given.layout.width);
  given.attributes.forEach((a, j) => {
    if (told.includes(a.name)) row[given.layout.groups[j]!.offset + a.levels.indexOf(allowed.get(a.name)![0]!)] = 1;
  });
  return row;
}
