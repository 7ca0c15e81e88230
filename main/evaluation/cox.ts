/*
 * A ridge-penalised Cox proportional-hazards model (Breslow ties), fitted by
 * Newton-Raphson on standardised features, and Harrell's concordance index.
 * Small and dependency-free: enough to compare train-on-synthetic with
 * train-on-real on a baseline risk model.
 */

export interface CoxModel {
  beta: Float64Array;
  means: Float64Array;
  sds: Float64Array;
  /** Observed information (minus the Hessian of the log partial likelihood) at the fit, on the standardised scale. */
  information: Float64Array[];
}

export function fitCox(x: Float64Array[], days: number[], event: number[], ridge = 1, iterations = 25): CoxModel {
  const n = x.length;
  const p = x[0]?.length ?? 0;
  const means = new Float64Array(p);
  const sds = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i]![j]!;
    m /= Math.max(1, n);
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i]![j]! - m) ** 2;
    means[j] = m;
    sds[j] = Math.sqrt(v / Math.max(1, n - 1)) || 1;
  }
  const z = x.map((row) => Float64Array.from(row, (v, j) => (v - means[j]!) / sds[j]!));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => days[b]! - days[a]!); // descending time
  const beta = new Float64Array(p);
  let information: Float64Array[] = [];
  for (let it = 0; it < iterations; it++) {
    const grad = new Float64Array(p);
    const hess = Array.from({ length: p }, () => new Float64Array(p));
    // Risk sets by descending time: accumulate sums as time decreases.
    let s0 = 0;
    const s1 = new Float64Array(p);
    const s2 = Array.from({ length: p }, () => new Float64Array(p));
    for (let k = 0; k < n; ) {
      const t = days[order[k]!]!;
      const tied: number[] = [];
      while (k < n && days[order[k]!] === t) tied.push(order[k++]!);
      for (const i of tied) {
        const w = Math.exp(dot(beta, z[i]!));
        s0 += w;
        for (let a = 0; a < p; a++) {
          s1[a]! += w * z[i]![a]!;
          for (let b = 0; b <= a; b++) s2[a]![b]! += w * z[i]![a]! * z[i]![b]!;
        }
      }
      for (const i of tied) {
        if (event[i] !== 1) continue;
        for (let a = 0; a < p; a++) {
          const ma = s1[a]! / s0;
          grad[a]! += z[i]![a]! - ma;
          for (let b = 0; b <= a; b++) hess[a]![b]! += s2[a]![b]! / s0 - ma * (s1[b]! / s0);
        }
      }
    }
    information = hess.map((row, a) => Float64Array.from(row, (v, b) => (b <= a ? v : hess[b]![a]!)));
    for (let a = 0; a < p; a++) {
      grad[a]! -= ridge * beta[a]!;
      hess[a]![a]! += ridge;
      for (let b = 0; b < a; b++) hess[b]![a] = hess[a]![b]!;
    }
    const step = solve(hess, grad);
    // Newton with step halving (as R's coxph): a full step can overshoot when a feature nearly
    // separates the events, and then diverges to NaN; a step is taken only where the penalized
    // partial likelihood does not fall.
    const before = logLik(beta, z, order, days, event, ridge);
    let scale = 1;
    let next = beta.map((b, a) => b + step[a]!);
    for (let h = 0; h < 30 && !(logLik(next, z, order, days, event, ridge) >= before - 1e-9); h++) {
      scale /= 2;
      next = beta.map((b, a) => b + scale * step[a]!);
    }
    let change = 0;
    for (let a = 0; a < p; a++) {
      change = Math.max(change, Math.abs(next[a]! - beta[a]!));
      beta[a] = next[a]!;
    }
    if (change < 1e-6) break;
  }
  return { beta, means, sds, information };
}

export function riskScore(model: CoxModel, x: Float64Array): number {
  let s = 0;
  for (let j = 0; j < model.beta.length; j++) s += model.beta[j]! * ((x[j]! - model.means[j]!) / model.sds[j]!);
  return s;
}

/** Harrell's C: among comparable pairs (the earlier time is an event), the share ordered correctly by risk. */
export function concordance(risk: number[], days: number[], event: number[]): number {
  let concordant = 0;
  let comparable = 0;
  for (let i = 0; i < risk.length; i++) {
    if (event[i] !== 1) continue;
    for (let j = 0; j < risk.length; j++) {
      if (days[j]! <= days[i]!) continue;
      comparable++;
      if (risk[i]! > risk[j]!) concordant++;
      else if (risk[i] === risk[j]) concordant += 0.5;
    }
  }
  return comparable ? concordant / comparable : NaN;
}

/** The ridge-penalized Cox log partial likelihood (Breslow ties) at beta; `order` is by descending time. */
function logLik(beta: Float64Array, z: Float64Array[], order: number[], days: number[], event: number[], ridge: number): number {
  let ll = 0;
  let s0 = 0;
  for (let k = 0; k < order.length; ) {
    const t = days[order[k]!]!;
    const tied: number[] = [];
    while (k < order.length && days[order[k]!] === t) tied.push(order[k++]!);
    for (const i of tied) s0 += Math.exp(dot(beta, z[i]!));
    for (const i of tied) if (event[i] === 1) ll += dot(beta, z[i]!) - Math.log(s0);
  }
  return ll - (ridge / 2) * dot(beta, beta);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and positive definite). */
export function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const d = m[c]![c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / d;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / (m[r]![r]! || 1e-12);
  }
  return x;
}
