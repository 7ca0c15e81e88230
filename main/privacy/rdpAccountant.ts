/*
 * Rényi differential privacy of the sampled Gaussian mechanism (each step: a
 * Poisson sample of patients with rate q, their clipped gradients summed, and
 * Gaussian noise of sd sigma times the clipping norm added), composed over the
 * steps of a run and converted to (epsilon, delta). The analysis is Mironov,
 * Talwar and Zhang 2019 ("Rényi differential privacy of the sampled Gaussian
 * mechanism", section 3.3), the conversion Balle et al. 2020 (theorem 21), as
 * TF Privacy and Opacus compute them; the figures are tested against Opacus's.
 */

/** The orders (alphas) epsilon is minimised over: 1.1 to 10.9 by 0.1, then 12 to 63 (Opacus's default). */
export const DEFAULT_ORDERS: readonly number[] = [...Array.from({ length: 99 }, (_, k) => 1 + (k + 1) / 10), ...Array.from({ length: 52 }, (_, k) => 12 + k)];

/** Steps of one sampled Gaussian mechanism: sampling rate, noise multiplier, how many. */
export interface MechanismSteps {
  q: number;
  sigma: number;
  steps: number;
}

/** log(e^a + e^b), exact for -Infinity. */
function logAdd(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return lo === -Infinity ? hi : Math.log1p(Math.exp(lo - hi)) + hi;
}

/** log(e^a - e^b) for a >= b. */
function logSub(a: number, b: number): number {
  if (a < b) throw new Error('logSub: the result would be negative');
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  const d = a - b;
  // exp(d) - 1 overflows only where the difference is e^a itself.
  return d > 700 ? a : Math.log(Math.expm1(d)) + b;
}

/** erf(x) by its Taylor series, for |x| < 2 (terms stay below ~10: about 15 correct digits). */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc(x) e^(x^2) for x >= 2 by its continued fraction, 1 / (x + (1/2) / (x + 1 / (x + (3/2) / ...))) / sqrt(pi), evaluated by Lentz's method. */
function erfcxFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (f * Math.sqrt(Math.PI));
}

/** log(erfc(x)), accurate in the far tail (where erfc underflows). */
export function logErfc(x: number): number {
  if (x >= 2) return -x * x + Math.log(erfcxFraction(x));
  if (x >= 0) return Math.log1p(-erfSeries(x));
  // erfc(x) = 2 - erfc(-x), between 1 and 2: no cancellation.
  return Math.log(2 - Math.exp(logErfc(-x)));
}

/** log(A_alpha) for an integer order: a finite binomial sum. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logCoef = 0; // log C(alpha, i)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logCoef += Math.log(alpha - i + 1) - Math.log(i);
    const s = logCoef + i * Math.log(q) + (alpha - i) * Math.log(1 - q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/** log(A_alpha) for a fractional order: the two tails of the integral, summed until their terms are below e^-30. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let logCoef = 0; // log |C(alpha, i)|
  let positive = true; // the sign of C(alpha, i)
  for (let i = 0; ; i++) {
    if (i > 0) {
      const factor = (alpha - i + 1) / i;
      logCoef += Math.log(Math.abs(factor));
      if (factor < 0) positive = !positive;
    }
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log(1 - q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log(1 - q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (positive) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/** The RDP of one step of the sampled Gaussian mechanism at order alpha (Infinity without noise). */
export function rdpOfStep(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0 || !Number.isFinite(alpha)) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  return (Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha)) / (alpha - 1);
}

/** The RDP of a run, order by order: its mechanisms' steps composed (RDP adds up). */
export function composeRdp(history: readonly MechanismSteps[], orders: readonly number[] = DEFAULT_ORDERS): number[] {
  return orders.map((alpha) => history.reduce((sum, h) => sum + h.steps * rdpOfStep(h.q, h.sigma, alpha), 0));
}

/** (epsilon, delta)-DP from RDP at several orders: the smallest epsilon over them, and its order. */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): { epsilon: number; order: number } {
  let best = { epsilon: Infinity, order: NaN };
  orders.forEach((alpha, k) => {
    const eps = rdp[k]! - (Math.log(delta) + Math.log(alpha)) / (alpha - 1) + Math.log((alpha - 1) / alpha);
    if (eps < best.epsilon) best = { epsilon: eps, order: alpha };
  });
  return best;
}

/** The epsilon a run has spent at `delta`. */
export function epsilonSpent(history: readonly MechanismSteps[], delta: number, orders: readonly number[] = DEFAULT_ORDERS): number {
  return epsilonFromRdp(orders, composeRdp(history, orders), delta).epsilon;
}

/**
 * The noise multiplier that keeps `steps` steps of sampling rate q within (epsilon, delta): the
 * smallest found by bisection (from 0 to a doubling upper bound) whose epsilon is below the target
 * and within `tolerance` of it, after the mechanisms `before` (composed with it). Refused when no
 * noise below 1e6 reaches it.
 */
export function noiseForBudget(target: { epsilon: number; delta: number }, q: number, steps: number, tolerance = 0.01, before: readonly MechanismSteps[] = []): number {
  let low = 0;
  let high = 10;
  let epsHigh = Infinity;
  while (epsHigh > target.epsilon) {
    high *= 2;
    epsHigh = epsilonSpent([...before, { q, sigma: high, steps }], target.delta);
    if (high > 1e6) throw new RangeError(`No noise reaches epsilon ${target.epsilon} at delta ${target.delta} over ${steps} steps at sampling rate ${q}: the budget is too small.`);
  }
  while (target.epsilon - epsHigh > tolerance) {
    const sigma = (low + high) / 2;
    const eps = epsilonSpent([...before, { q, sigma, steps }], target.delta);
    if (eps < target.epsilon) {
      high = sigma;
      epsHigh = eps;
    } else low = sigma;
  }
  return high;
}

/** The epsilon of a run of one mechanism after any number of its steps, and the mechanisms `before` it (RDP per step and before computed once). */
export class RunAccountant {
  private readonly perStep: number[];
  private readonly spentBefore: number[];
  constructor(
    readonly q: number,
    readonly sigma: number,
    private readonly orders: readonly number[] = DEFAULT_ORDERS,
    before: readonly MechanismSteps[] = [],
  ) {
    this.perStep = composeRdp([{ q, sigma, steps: 1 }], orders);
    this.spentBefore = composeRdp(before, orders);
  }

  epsilonAfter(steps: number, delta: number): number {
    return epsilonFromRdp(
      this.orders,
      this.perStep.map((r, k) => r * steps + this.spentBefore[k]!),
      delta,
    ).epsilon;
  }
}
