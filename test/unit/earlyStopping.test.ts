import { describe, expect, it } from 'vitest';
import type { TrainingData } from '../../main/models/minibatch.js';
import { FRESH_STOPPING, holdOutValidation, observe, patienceRunOut, validationCount, type StoppingRule } from '../../main/training/earlyStopping.js';

const rule: StoppingRule = { validationShare: 0.1, every: 10, patience: 2, tolerance: 0.01 };
const run = (losses: number[]) => losses.reduce((s, loss, i) => observe(s, loss, (i + 1) * rule.every, rule), FRESH_STOPPING);

/** Patients whose only value is their index, to follow them through a split. */
function patients(n: number): TrainingData {
  return {
    n,
    steps: 1,
    stepWidth: 1,
    staticWidth: 1,
    outcomeWidth: 1,
    statics: Float32Array.from({ length: n }, (_, i) => i),
    sequences: Float32Array.from({ length: n }, (_, i) => i),
    lengths: new Int32Array(n).fill(1),
    outcomes: Float32Array.from({ length: n }, (_, i) => i),
  };
}

describe('stopping on a validation loss', () => {
  it('counts measurements without an improvement larger than the tolerance, and stops after the patience', () => {
    expect(run([10])).toEqual({ bestLoss: 10, bestStep: 10, mark: 10, since: 0, lastLoss: 10 });
    // 9.95 is lower, so its weights are the best, but not 1% lower: it does not reset the count.
    const s = run([10, 9.95]);
    expect(s).toMatchObject({ bestLoss: 9.95, bestStep: 20, mark: 10, since: 1 });
    expect(patienceRunOut(s, rule)).toBe(false);
    expect(run([10, 9.95, 9.89])).toMatchObject({ bestLoss: 9.89, bestStep: 30, mark: 9.89, since: 0 });
    const worse = run([10, 9.95, 11]);
    expect(worse).toMatchObject({ bestLoss: 9.95, bestStep: 20, since: 2, lastLoss: 11 });
    expect(patienceRunOut(worse, rule)).toBe(true);
  });

  it('holds out a seeded share of the training split, the same each time, apart from the patients trained on', () => {
    const data = patients(200);
    const a = holdOutValidation(data, rule, 7)!;
    const b = holdOutValidation(data, rule, 7)!;
    const ids = (d: TrainingData) => Array.from(d.statics);
    expect(ids(a.validation)).toEqual(ids(b.validation));
    expect(ids(a.validation)).toHaveLength(20);
    expect(ids(a.fit)).toHaveLength(180);
    expect([...ids(a.validation), ...ids(a.fit)].sort((x, y) => x - y)).toEqual(ids(data));
    // Each patient keeps its rows together.
    expect(Array.from(a.fit.sequences)).toEqual(ids(a.fit));
    expect(ids(holdOutValidation(data, rule, 8)!.validation)).not.toEqual(ids(a.validation));
  });

  it('holds out at most 1,000 patients, and none where fewer than 10 would be held out', () => {
    expect(validationCount(50_000, rule)).toBe(1000);
    expect(validationCount(127, rule)).toBe(13);
    expect(validationCount(94, rule)).toBe(0);
    expect(holdOutValidation(patients(94), rule, 1)).toBeNull();
  });
});
