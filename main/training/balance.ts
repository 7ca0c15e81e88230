import { AGE_BAND, cohortAttributes, OUTCOME_STATUS, type Attribute } from '../cohort/attributes.js';
import type { Encoding } from '../sequence/encoding.js';
import type { Clause, Condition } from './conditions.js';
import { TrainingError } from './trainingError.js';

/*
 * A set balanced on one attribute: its levels in given shares (equal unless
 * told), to augment groups rare in the real data. Each level is generated as a
 * part of its own, under the condition "attribute = level" (and any other
 * clauses asked), so a conditional model is told the level and draws like the
 * real patients who have it.
 */

/** The attribute to balance, and the share of each level (absent: equal shares over the levels enough training patients have). */
export interface BalanceRequest {
  attribute: string;
  target?: Record<string, number>;
}

/** What a balanced set holds: each level's target share, patients and drafts; levels left out of an equal target, and why. */
export interface SetBalance {
  attribute: string;
  levels: { level: string; target: number; patients: number; drafts: number }[];
  omitted: string[];
}

/** One part of a balanced set: the level, its condition (the level and the other clauses), its target share (null: equal). */
export interface BalancePart {
  level: string;
  condition: Condition;
  target: number | null;
}

const ALIASES: Record<string, string> = { age: AGE_BAND, 'age band': AGE_BAND, outcome: OUTCOME_STATUS };

/** The parts of a set balanced as asked, each under `base` too; a name, level or share that does not fit the cohort is refused with what would. */
export function balanceParts(request: BalanceRequest, enc: Encoding, base: Condition | null): BalancePart[] {
  const attributes = cohortAttributes(enc);
  const wanted = ALIASES[request.attribute.toLowerCase()] ?? request.attribute;
  const a = attributes.find((x) => x.name === wanted) ?? attributes.find((x) => x.name.toLowerCase() === wanted.toLowerCase());
  if (!a) throw new TrainingError(`Cannot balance on "${request.attribute}": it can be one of ${attributes.map((x) => x.name).join(', ')} (or age, outcome).`);
  const target = request.target ? checkTarget(a, request.target) : null;
  const levels = target ? a.levels.filter((l) => (target.get(l) ?? 0) > 0) : a.levels;
  return levels.map((level) => {
    const clause = levelClause(a, level);
    const clauses = [...(base?.clauses ?? []), clause];
    return { level, condition: { clauses, text: clauses.map((c) => c.text).join(' and ') }, target: target ? target.get(level)! : null };
  });
}

/** Reads "F=0.7,M=0.3" (shares of 0 to 1 that sum to 1). */
export function parseTarget(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*(.+?)\s*=\s*([^=]+?)\s*$/.exec(part);
    const share = m ? Number(m[2]) : NaN;
    if (!m || m[2]!.trim() === '' || !Number.isFinite(share)) throw new TrainingError(`The balance target "${text}" is not LEVEL=SHARE,... (e.g. F=0.5,M=0.5): "${part.trim()}".`);
    out[m[1]!] = share;
  }
  return out;
}

/** Whole counts for shares of a total that add up to it (largest remainders; ties to the earlier level). */
export function apportion(total: number, shares: readonly number[]): number[] {
  const sum = shares.reduce((a, b) => a + b, 0);
  const exact = shares.map((s) => (total * s) / sum);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r || p.i - q.i);
  const left = total - counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < left; k++) counts[order[k]!.i]! += 1;
  return counts;
}

function checkTarget(a: Attribute, target: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, share] of Object.entries(target)) {
    const level = a.levels.find((l) => l === name) ?? a.levels.find((l) => l.toLowerCase() === name.toLowerCase());
    if (level === undefined) throw new TrainingError(`The balance target names "${name}", which is not a level of ${a.name}: ${a.levels.join(', ')}.`);
    if (!(share >= 0 && share <= 1)) throw new TrainingError(`The balance target's share of ${level} is ${share}: a share is from 0 to 1.`);
    out.set(level, share);
  }
  const sum = [...out.values()].reduce((x, y) => x + y, 0);
  if (Math.abs(sum - 1) > 0.001) throw new TrainingError(`The balance target's shares add up to ${Math.round(sum * 1000) / 1000}, not 1.`);
  return out;
}

function levelClause(a: Attribute, level: string): Clause {
  return { text: `${a.name} = ${level}`, test: (tl) => a.levelOf(tl) === level, attribute: { name: a.name, levels: [level] } };
}
