import { describe, expect, it } from 'vitest';
import { VisitKeys } from '../../main/ingest/visitKeys.js';

/** A seeded generator of 32-bit values (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('VisitKeys', () => {
  it('answers as a Map of variables to times would, across patients of every size', () => {
    const next = random(7);
    const keys = new VisitKeys();
    let line = 1;
    for (let patient = 0; patient < 300; patient++) {
      keys.clear();
      const reference = new Map<string, number>();
      // Mostly small patients, a few with thousands of rows (the table grows several times).
      const rows = next() < 0.05 ? 3000 : Math.floor(next() * 60);
      for (let r = 0; r < rows; r++, line++) {
        const variableId = Math.floor(next() * 12);
        // Whole days since 1970, fractional days (times of day) and relative offsets below zero.
        const kind = next();
        const time = kind < 0.6 ? 11_000 + Math.floor(next() * 400) : kind < 0.9 ? 11_000 + Math.floor(next() * 4000) / 96 : -Math.floor(next() * 30);
        const key = `${variableId}|${time}`;
        const expected = reference.get(key);
        if (expected === undefined) reference.set(key, line);
        expect(keys.firstLine(variableId, time, line)).toBe(expected);
      }
      expect(keys.size).toBe(reference.size);
      const listed = new Map<string, number>();
      keys.forEach((variableId, time, first) => listed.set(`${variableId}|${time}`, first));
      expect(listed).toEqual(reference);
    }
  });

  it('forgets every key on clear, also after the table grew', () => {
    const keys = new VisitKeys();
    for (let t = 0; t < 1000; t++) keys.firstLine(3, t, t + 1);
    keys.clear();
    expect(keys.size).toBe(0);
    for (let t = 0; t < 1000; t++) expect(keys.firstLine(3, t, 5000 + t)).toBeUndefined();
    expect(keys.firstLine(3, 999, 9999)).toBe(5999);
  });

  it('takes -0 and 0 as one time, and tells apart variables at the same time', () => {
    const keys = new VisitKeys();
    expect(keys.firstLine(1, 0, 10)).toBeUndefined();
    expect(keys.firstLine(1, -0, 11)).toBe(10);
    expect(keys.firstLine(2, 0, 12)).toBeUndefined();
    expect(keys.firstLine(1, 1e-9, 13)).toBeUndefined();
  });
});
