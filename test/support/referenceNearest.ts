/** The search privacy.ts ran before the fast one (its distance and nearest, in one function): the answer the fast search must give. */
export function referenceNearest(queries: Float64Array[], refs: Float64Array[], sameSet = false, skip?: Set<number>): { d1: number; d2: number; index: number }[] {
  const distance = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) if (!skip?.has(i)) s += (a[i]! - b[i]!) ** 2;
    return Math.sqrt(s);
  };
  return queries.map((q, qi) => {
    let d1 = Infinity;
    let d2 = Infinity;
    let index = -1;
    refs.forEach((r, ri) => {
      if (sameSet && ri === qi) return;
      const d = distance(q, r);
      if (d < d1) {
        d2 = d1;
        d1 = d;
        index = ri;
      } else if (d < d2) d2 = d;
    });
    return { d1, d2, index };
  });
}

