import { describe, expect, it } from 'vitest';
import { etaSeconds, recentMsPerStep, StepTimer } from '../../main/training/stepTimes.js';

const rule = { warmup: 3, window: 4, least: 2 };

describe('step times and the ETA', () => {
  it('leave out the warm-up steps and have no rate before enough steps after them', () => {
    // The first steps compile kernels: 900, 400, 300 ms; then steady steps of 50.
    expect(recentMsPerStep([], rule)).toBeNull();
    expect(recentMsPerStep([900, 400, 300], rule)).toBeNull();
    expect(recentMsPerStep([900, 400, 300, 50], rule)).toBeNull();
    expect(recentMsPerStep([900, 400, 300, 50, 50], rule)).toBe(50);
  });

  it('take the rate from the recent steps only', () => {
    expect(recentMsPerStep([900, 400, 300, 50, 50, 50, 50, 100, 100], rule)).toBe(75);
    expect(recentMsPerStep([900, 400, 300, 10, 10, 10, 10, 100, 100, 100, 100], rule)).toBe(100);
  });

  it('estimate the time left, each phase at its relative cost, plus other work', () => {
    expect(etaSeconds(null, [{ steps: 100, cost: 1 }])).toBeNull();
    expect(etaSeconds({ ms: 50, cost: 1 }, [{ steps: 100, cost: 1 }])).toBe(5);
    // Measured in a phase of cost 0.5: a later phase of cost 2 takes 4 times as long a step.
    expect(etaSeconds({ ms: 20, cost: 0.5 }, [{ steps: 10, cost: 0.5 }, { steps: 10, cost: 2 }], 300)).toBeCloseTo(1.3, 10);
  });

  it('keep the last measured rate through the warm-up of a new phase', () => {
    const timer = new StepTimer(rule);
    for (const ms of [900, 400, 300, 50]) timer.add(ms, 1);
    expect([timer.msPerStep, timer.eta([{ steps: 10, cost: 1 }])]).toEqual([null, null]);
    timer.add(50, 1);
    expect([timer.msPerStep, timer.eta([{ steps: 10, cost: 1 }])]).toEqual([50, 0.5]);
    timer.startPhase();
    timer.add(800, 4);
    // The new phase has no rate of its own yet: the last one, scaled by cost.
    expect([timer.msPerStep, timer.eta([{ steps: 10, cost: 4 }])]).toEqual([null, 2]);
  });
});
