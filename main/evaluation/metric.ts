/** One number of the report, with the threshold it is judged by and the data it used. */
export interface Metric {
  group: 'fidelity' | 'survival' | 'privacy' | 'detection' | 'utility';
  name: string;
  variable?: string;
  value: number;
  /** The same measure between two real samples (holdout against train), where it makes sense. */
  baseline?: number;
  threshold: { pass: number; warn: number; better: 'lower' | 'higher' };
  verdict: 'pass' | 'warn' | 'fail' | 'n/a';
  /** Which part of the data it used, e.g. "train (127) vs synthetic (158)". */
  data: string;
  note?: string;
}

export function judge(value: number, t: Metric['threshold']): Metric['verdict'] {
  if (!Number.isFinite(value)) return 'n/a';
  if (t.better === 'lower') return value <= t.pass ? 'pass' : value <= t.warn ? 'warn' : 'fail';
  return value >= t.pass ? 'pass' : value >= t.warn ? 'warn' : 'fail';
}

export function metric(m: Omit<Metric, 'verdict'>): Metric {
  return { ...m, verdict: judge(m.value, m.threshold) };
}
