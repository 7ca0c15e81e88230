/*
 * Where a VAE's generated patients come from. Trained with a small KL weight,
 * the encoder's patients do not fill N(0, I): drawn from it, many latent points
 * fall where no training patient lies, and decode into patients no one has
 * seen the like of. Drawing instead from one Gaussian matched to the mean and
 * covariance of the whole training split's posteriors (the aggregate posterior;
 * Ghosh et al. 2020, "From variational to deterministic autoencoders") keeps
 * generation where the decoder learnt. One Gaussian over all patients describes
 * the cohort, not any one patient.
 */

export interface LatentGaussian {
  mean: Float64Array;
  /** Lower-triangular Cholesky factor of the covariance, Z x Z row-major. */
  chol: Float64Array;
}

/** A Gaussian by its moments: mean (Z) and covariance (Z x Z row-major, lower triangle filled). */
export interface LatentMoments {
  mean: Float64Array;
  cov: Float64Array;
}

/**
 * The moments of the aggregate posterior: mean and covariance of the posterior
 * means `mu` (n x Z), plus the average posterior variance `variance` (Z).
 */
export function posteriorMoments(mu: Float64Array, n: number, Z: number, variance: Float64Array): LatentMoments {
  const mean = new Float64Array(Z);
  for (let i = 0; i < n; i++) for (let a = 0; a < Z; a++) mean[a]! += mu[i * Z + a]! / n;
  const cov = new Float64Array(Z * Z);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < Z; a++) {
      const da = mu[i * Z + a]! - mean[a]!;
      for (let b = 0; b <= a; b++) cov[a * Z + b]! += (da * (mu[i * Z + b]! - mean[b]!)) / Math.max(1, n - 1);
    }
  }
  for (let a = 0; a < Z; a++) cov[a * Z + a]! += variance[a]! + 1e-6;
  return { mean, cov };
}

export function gaussianOf(m: LatentMoments, Z: number): LatentGaussian {
  return { mean: m.mean, chol: cholesky(m.cov, Z) };
}

/** The Gaussian of the aggregate posterior (see posteriorMoments). */
export function aggregatePosterior(mu: Float64Array, n: number, Z: number, variance: Float64Array): LatentGaussian {
  return gaussianOf(posteriorMoments(mu, n, Z, variance), Z);
}

/**
 * The moments of a group of `n` patients pulled toward the whole cohort's as if
 * `prior` more patients of the cohort were among them: a small group's own
 * mean and covariance are mostly noise, and a handful of patients' posteriors
 * alone would have generation retrace them.
 */
export function shrinkToward(group: LatentMoments, n: number, whole: LatentMoments, prior: number): LatentMoments {
  const w = n / (n + prior);
  const mix = (a: Float64Array, b: Float64Array) => Float64Array.from(a, (x, i) => w * x + (1 - w) * b[i]!);
  return { mean: mix(group.mean, whole.mean), cov: mix(group.cov, whole.cov) };
}

/** Cholesky factor of a symmetric positive-definite matrix given by its lower triangle. */
export function cholesky(a: Float64Array, Z: number): Float64Array {
  const l = new Float64Array(Z * Z);
  for (let i = 0; i < Z; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * Z + j]!;
      for (let k = 0; k < j; k++) s -= l[i * Z + k]! * l[j * Z + k]!;
      l[i * Z + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * Z + j]!;
    }
  }
  return l;
}

/** Latent points from standard normal draws `eps` (n x Z): mean + L eps. */
export function drawLatent(g: LatentGaussian, eps: Float32Array, n: number, Z: number): Float32Array {
  const z = new Float32Array(n * Z);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < Z; a++) {
      let s = g.mean[a]!;
      for (let k = 0; k <= a; k++) s += g.chol[a * Z + k]! * eps[i * Z + k]!;
      z[i * Z + a] = s;
    }
  }
  return z;
}
