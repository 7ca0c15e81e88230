/** Rows grouped by a numeric key (usually the patient id), in their original order within each group. */
export function groupBy<T>(rows: Iterable<T>, key: (r: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

export const byPatient = <T extends { patientId: number }>(rows: Iterable<T>): Map<number, T[]> => groupBy(rows, (r) => r.patientId);
