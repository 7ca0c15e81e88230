/** A small deterministic PRNG (mulberry32): the same seed gives the same stream on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
    const members = groups.get(key)!.slice().sort((a, b) => a - b);
    const random = mulberry32(seed ^ hashKey(String(key)));
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
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
