import { describe, expect, it } from 'vitest';
import { composeRdp, DEFAULT_ORDERS, epsilonFromRdp, epsilonSpent, logErfc, noiseForBudget, rdpOfStep } from '../../main/privacy/rdpAccountant.js';

/** log A_alpha by direct numerical integration of its definition (the check TF Privacy's tests make with mpmath). */
function logAByQuadrature(q: number, sigma: number, alpha: number): number {
  const lo = -40 * sigma;
  const hi = 40 * sigma + 1;
  const n = 400_000;
  const h = (hi - lo) / n;
  // In log space (the integrand overflows a double for large orders), summed relative to its largest term.
  const logTerms = Array.from({ length: n + 1 }, (_, k) => {
    const z = lo + k * h;
    const logDensity = (-z * z) / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI));
    const x = (2 * z - 1) / (2 * sigma * sigma);
    const logRatio = x > 0 ? x + Math.log(q + (1 - q) * Math.exp(-x)) : Math.log(1 - q + q * Math.exp(x));
    return Math.log(k === 0 || k === n ? 0.5 : 1) + logDensity + alpha * logRatio;
  });
  const top = logTerms.reduce((m, t) => Math.max(m, t), -Infinity);
  return top + Math.log(logTerms.reduce((sum, t) => sum + Math.exp(t - top), 0) * h);
}

describe('the RDP accountant of the sampled Gaussian mechanism', () => {
  it("gives Opacus's epsilon: q = 0.04, sigma = 1.5, 2,250 steps (90 epochs), delta = 1e-5", () => {
    // opacus/tests/accountants_test.py, test_rdp_accountant: assertAlmostEqual(epsilon, 7.32911117143).
    expect(epsilonSpent([{ q: 0.04, sigma: 1.5, steps: 2250 }], 1e-5)).toBeCloseTo(7.32911117143, 9);
  });

  it("gives the example of Opacus's and TF Privacy's RDP module: two mechanisms composed, orders 2 to 32", () => {
    const orders = Array.from({ length: 31 }, (_, k) => k + 2);
    const rdp = composeRdp([{ q: 1e-5, sigma: 1.0, steps: 10 }, { q: 1e-4, sigma: 3.0, steps: 4 }], orders);
    const { epsilon, order } = epsilonFromRdp(orders, rdp, 1e-5);
    expect(epsilon).toBeCloseTo(0.336, 3);
    expect(order).toBe(23);
  });

  it('solves the noise for a budget as Opacus does, never overshooting it, within its tolerance', () => {
    // opacus/tests/accountants_test.py: 1.416 (90 epochs) and 1.3562 (2,000 steps), to 4 places.
    expect(noiseForBudget({ epsilon: 8, delta: 1e-5 }, 0.04, 2250)).toBeCloseTo(1.416, 4);
    expect(noiseForBudget({ epsilon: 8, delta: 1e-5 }, 0.04, 2000)).toBeCloseTo(1.3562, 4);
    for (const epsilon of [1, 3, 10]) {
      for (const q of [1e-3, 2e-2, 1e-1]) {
        const steps = Math.trunc(30 / q);
        const spent = epsilonSpent([{ q, sigma: noiseForBudget({ epsilon, delta: 1e-6 }, q, steps), steps }], 1e-6);
        expect(spent, `epsilon ${epsilon}, q ${q}`).toBeLessThan(epsilon);
        expect(spent).toBeGreaterThan(epsilon - 0.01);
      }
    }
    expect(() => noiseForBudget({ epsilon: 1e-9, delta: 1e-12 }, 0.5, 1e6)).toThrow('the budget is too small');
  });

  it('matches the integral that defines A_alpha, at integer and fractional orders', () => {
    for (const [q, sigma] of [
      [0.04, 1.5],
      [0.01, 0.8],
      [0.2, 3],
    ] as const) {
      for (const alpha of [2, 2.5, 6.3, 11, 17.7]) {
        expect(rdpOfStep(q, sigma, alpha) * (alpha - 1), `q ${q}, sigma ${sigma}, alpha ${alpha}`).toBeCloseTo(logAByQuadrature(q, sigma, alpha), 6);
      }
    }
  });

  it('has the limits of the mechanism: no sampling costs nothing, no noise everything, full batches the Gaussian mechanism', () => {
    expect(rdpOfStep(0, 1, 5)).toBe(0);
    expect(rdpOfStep(0.1, 0, 5)).toBe(Infinity);
    expect(rdpOfStep(1, 2, 5)).toBe(5 / 8);
    expect(epsilonSpent([{ q: 0.1, sigma: 0, steps: 1 }], 1e-5)).toBe(Infinity);
    // More steps, more noise: epsilon moves the way it must.
    const base = epsilonSpent([{ q: 0.01, sigma: 1, steps: 1000 }], 1e-5);
    expect(epsilonSpent([{ q: 0.01, sigma: 1, steps: 2000 }], 1e-5)).toBeGreaterThan(base);
    expect(epsilonSpent([{ q: 0.01, sigma: 2, steps: 1000 }], 1e-5)).toBeLessThan(base);
    expect(DEFAULT_ORDERS).toHaveLength(151);
  });

  it('computes log erfc to about 12 digits, in the far tail too', () => {
    const erfc: [number, number][] = [
      [-1, 1.842700792949715],
      [0.5, 0.4795001221869535],
      [1.9, 0.007209570764742],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280348e-12],
      [10, 2.0884875837625447e-45],
    ];
    for (const [x, value] of erfc) expect(logErfc(x) / Math.log(value), `x = ${x}`).toBeCloseTo(1, 11);
  });
});
