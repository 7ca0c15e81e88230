import { Rng } from '../common/rng.js';

export type Split = 'train' | 'holdout';

/**
 * Stratified train/holdout split: within each stratum (outcome status), the
 * patients, in id order, are shuffled with a seeded Fisher-Yates and the first
 * round(n * holdout) go to the holdout. Same ids, strata and seed: same split.
 */
export function stratifiedSplit(ids: readonly number[], strata: readonly (string | number)[], holdout: number, seed: number): Map<number, Split> {
  const groups = new Map<string | number, number[]>();
  ids.forEach((id, i) => {
    const key = strata[i]!;
    const g = groups.get(key);
    if (g) g.push(id);
    else groups.set(key, [id]);
  });
  const result = new Map<number, Split>();
  const keys = [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b)));
  for (const key of keys) {
    const sorted = groups.get(key)!.slice().sort((a, b) => a - b);
    const members = new Rng(seed ^ hashKey(String(key))).permutation(sorted.length).map((i) => sorted[i]!);
    const nHoldout = Math.round(members.length * holdout);
    members.forEach((id, i) => result.set(id, i < nHoldout ? 'holdout' : 'train'));
  }
  return result;
}

function hashKey(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
