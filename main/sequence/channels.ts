import type { Encoding } from './encoding.js';

/** A name for every channel, in order: for previews, plots and model summaries. */
export function channelNames(enc: Encoding): { statics: string[]; step: string[]; outcome: string[] } {
  const statics = new Array<string>(enc.staticWidth);
  for (const f of enc.statics) {
    if (f.codec.type === 'onehot') f.codec.levels.forEach((l, i) => (statics[f.offset + i] = `${f.name}=${l}`));
    else statics[f.offset] = f.kind === 'date' ? `${f.name} (days from index)` : f.name;
    if (f.maskOffset !== null) statics[f.maskOffset] = `${f.name}?`;
  }
  const step = new Array<string>(enc.stepWidth);
  if (enc.gap) step[enc.gap.offset] = 'gap';
  for (const f of enc.measurements) {
    if (f.codec.type === 'onehot') f.codec.levels.forEach((l, i) => (step[f.offset + i] = `${f.name}=${l}`));
    else step[f.offset] = f.name;
    step[f.maskOffset] = `${f.name}?`;
    if (f.sinceOffset !== null) step[f.sinceOffset] = `${f.name} since`;
  }
  for (const e of enc.events) step[e.offset] = `#${e.type}`;
  const outcome = ['tail', ...enc.outcome.levels.map((l) => `status=${l.label}`)];
  return { statics, step, outcome };
}
