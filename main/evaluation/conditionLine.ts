import type { EvaluationReport } from './evaluate.js';

/** What the report and the CLI say of a set generated under a condition. */
export function conditionLine(c: NonNullable<EvaluationReport['condition']>): string {
  const told = c.modelled.length ? `The model was told ${c.modelled.join(', ')}` : 'The model was told none of it';
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const b = c.balance;
  const balance = b
    ? `Balanced on ${b.attribute}: ${b.levels.map((l) => `${l.level} ${pct(l.achieved)} (target ${pct(l.target)})`).join(', ')}${b.omitted.length ? `; left out (too few training patients): ${b.omitted.join(', ')}` : ''}. Shares of ${b.attribute} differ from the real patients' by design. `
    : '';
  const condition = c.text ? `Condition: every synthetic patient is to meet ${c.text}; ${pct(c.met)} do. ` : '';
  const against = c.text ? ' Every measure compares with the real patients who meet it.' : '';
  return `${balance}${condition}${told}; ${pct(c.acceptance)} of its drafts met ${b ? 'their level' : 'it'} (the rest were discarded).${against}`;
}
