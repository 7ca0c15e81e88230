import { describe, expect, it } from 'vitest';
import { parseNumber } from '../../main/ingest/values.js';

/** The rule parseNumber implements, as written once: a decimal with optional exponent and space around, finite. */
function byTheRule(raw: string): number | undefined {
  if (!/^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

describe('parseNumber', () => {
  it('reads every short string of number-like characters as the rule does (its shortcuts change no answer)', () => {
    const alphabet = ['1', '0', '.', '-', '+', 'e', 'E', ' ', '\t', '\u00a0', '\u3000', 'x', ':'];
    let strings = [''];
    const all: string[] = [];
    for (let length = 1; length <= 4; length++) {
      strings = strings.flatMap((s) => alphabet.map((c) => s + c));
      all.push(...strings);
    }
    const wrong = all.filter((s) => !Object.is(parseNumber(s), byTheRule(s)));
    expect(wrong).toEqual([]);
  });

  it('reads the cells of clinical exports', () => {
    const cells = ['49.7', '-0.5', '+3', '.25', '7.', '1e3', '2.5E-2', ' 82 ', '\u00a061', '2001-03-10', '2001-03-10T08:00', '12/03/2001', 'M', 'NA', '1e999', '0x1A', 'Infinity', '1,5', ''];
    expect(cells.map(parseNumber)).toEqual(cells.map(byTheRule));
    expect(cells.map(parseNumber)).toEqual([49.7, -0.5, 3, 0.25, 7, 1000, 0.025, 82, 61, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
