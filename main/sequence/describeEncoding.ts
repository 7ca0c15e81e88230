import { num } from '../common/format.js';
import type { Scaler, ValueCodec } from './codecs.js';
import type { Encoding } from './encoding.js';

export interface TransformRow {
  part: 'static' | 'step' | 'outcome';
  channel: string;
  kind: string;
  transform: string;
  mask: boolean;
}

/** Every encoded field with its transform in words: for `cohort show` and the app. */
export function describeTransforms(enc: Encoding): TransformRow[] {
  const rows: TransformRow[] = [];
  for (const f of enc.statics) rows.push({ part: 'static', channel: f.name, kind: f.kind, transform: describeCodec(f.codec), mask: f.maskOffset !== null });
  if (enc.gap) rows.push({ part: 'step', channel: 'gap (days)', kind: 'time', transform: describeCodec(enc.gap), mask: false });
  for (const f of enc.measurements) {
    const agg = enc.mode === 'grid' && f.kind === 'numeric' ? `, ${f.aggregate} per bin` : '';
    rows.push({ part: 'step', channel: f.name, kind: f.kind, transform: describeCodec(f.codec) + agg, mask: true });
  }
  for (const e of enc.events) rows.push({ part: 'step', channel: `#${e.type}`, kind: 'event count', transform: 'count', mask: false });
  rows.push({ part: 'outcome', channel: 'tail (days to end)', kind: 'time', transform: describeCodec(enc.outcome.tail), mask: false });
  rows.push({ part: 'outcome', channel: 'status', kind: 'categorical', transform: `one-hot: ${enc.outcome.levels.map((l) => l.label).join(', ')}`, mask: false });
  return rows;
}

export function describeCodec(c: ValueCodec): string {
  if (c.type === 'onehot') return `one-hot (${c.levels.length}: ${c.levels.slice(0, 5).join(', ')}${c.levels.length > 5 ? ', ...' : ''})`;
  if (c.type === 'binary') return `0/1 (${c.levels.join('/')})`;
  return describeScaler(c.scaler) + (c.decimals !== null ? `, ${c.decimals} dp` : '');
}

function describeScaler(s: Scaler): string {
  switch (s.kind) {
    case 'standard':
      return `standard (mean ${num(s.mean)}, sd ${num(s.sd)})`;
    case 'minmax':
      return `min-max (${num(s.min)}..${num(s.max)})`;
    case 'log':
      return `log(x${s.shift ? ` + ${num(s.shift)}` : ''}) standardised`;
  }
}
