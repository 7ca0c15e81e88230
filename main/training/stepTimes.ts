/**
 * Step times and the ETA made of them. The first steps of a process (and of
 * each phase) compile kernels and grow buffers, taking several times a steady
 * step: they are left out, and the rate is the mean of the recent steps after
 * them. Until enough of those are in, there is no rate and no ETA.
 */
export interface StepTimingRule {
  /** Steps at the start of a phase left out. */
  warmup: number;
  /** The rate is the mean of at most this many recent steps. */
  window: number;
  /** Steps after the warm-up needed before there is a rate. */
  least: number;
}

export const STEP_TIMING: StepTimingRule = { warmup: 5, window: 50, least: 5 };

/** Milliseconds per step from a phase's step times (oldest first), or null while too few are past the warm-up. */
export function recentMsPerStep(times: readonly number[], rule: StepTimingRule = STEP_TIMING): number | null {
  if (times.length - rule.warmup < rule.least) return null;
  const from = Math.max(rule.warmup, times.length - rule.window);
  let sum = 0;
  for (let i = from; i < times.length; i++) sum += times[i]!;
  return sum / (times.length - from);
}

/** A measured rate: ms per step of a phase whose steps cost `cost` (relative to the model's other phases). */
export interface StepRate {
  ms: number;
  cost: number;
}

/** Steps still to run in one phase, and the relative cost of each. */
export interface StepsLeft {
  steps: number;
  cost: number;
}

/**
 * Seconds to run the steps left at a measured rate, each phase scaled by its
 * cost relative to the phase the rate was measured in, plus `extraMs` (other
 * work still to come); null without a rate.
 */
export function etaSeconds(rate: StepRate | null, left: readonly StepsLeft[], extraMs = 0): number | null {
  if (!rate) return null;
  let ms = extraMs;
  for (const p of left) ms += (p.steps * rate.ms * p.cost) / rate.cost;
  return ms / 1000;
}

/** The step times of the phase being trained, and the latest rate measured (kept across a phase change until the new phase has its own). */
export class StepTimer {
  private times: number[] = [];
  private latest: StepRate | null = null;

  constructor(private readonly rule: StepTimingRule = STEP_TIMING) {}

  /** A new phase: its steps warm up again. */
  startPhase(): void {
    this.times = [];
  }

  add(ms: number, cost: number): void {
    this.times.push(ms);
    const rate = recentMsPerStep(this.times, this.rule);
    if (rate !== null) this.latest = { ms: rate, cost };
  }

  /** Milliseconds per step of the current phase, or null while it warms up. */
  get msPerStep(): number | null {
    return recentMsPerStep(this.times, this.rule);
  }

  eta(left: readonly StepsLeft[], extraMs = 0): number | null {
    return etaSeconds(this.latest, left, extraMs);
  }
}
