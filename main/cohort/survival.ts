/*
 * Kaplan-Meier estimation with Greenwood's variance. The 95% band uses the
 * log(-log) transform (R survival's conf.type = "log-log"): it stays inside
 * [0, 1] and behaves better than the plain band in the tails.
 */

export interface KmPoint {
  /** Days from the index date. */
  time: number;
  atRisk: number;
  events: number;
  censored: number;
  survival: number;
  /** Greenwood standard error of the survival estimate. */
  se: number;
  lower: number;
  upper: number;
}

export interface KaplanMeier {
  n: number;
  events: number;
  /** One point per distinct time with an event or a censoring, ascending. */
  points: KmPoint[];
  /** First time at which survival drops to 0.5 or below; null when it never does. */
  median: number | null;
}

const Z95 = 1.959963984540054;

/** `status` 1 = event, anything else = censored at `time`. */
export function kaplanMeier(times: readonly number[], status: readonly number[]): KaplanMeier {
  if (times.length !== status.length) throw new Error('kaplanMeier: times and status differ in length');
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
  let atRisk = times.length;
  let survival = 1;
  let greenwood = 0; // sum of d / (n (n - d))
  let totalEvents = 0;
  let median: number | null = null;
  const points: KmPoint[] = [];
  for (let i = 0; i < order.length; ) {
    const t = times[order[i]!]!;
    let events = 0;
    let censored = 0;
    while (i < order.length && times[order[i]!] === t) {
      if (status[order[i]!] === 1) events++;
      else censored++;
      i++;
    }
    if (events > 0) {
      survival *= 1 - events / atRisk;
      greenwood += atRisk > events ? events / (atRisk * (atRisk - events)) : Infinity;
      totalEvents += events;
      if (median === null && survival <= 0.5) median = t;
    }
    const se = survival * Math.sqrt(greenwood);
    const [lower, upper] = logLogBand(survival, greenwood);
    points.push({ time: t, atRisk, events, censored, survival, se: Number.isFinite(se) ? se : 0, lower, upper });
    atRisk -= events + censored;
  }
  return { n: times.length, events: totalEvents, points, median };
}

function logLogBand(s: number, greenwood: number): [number, number] {
  if (s >= 1) return [1, 1];
  if (s <= 0 || !Number.isFinite(greenwood)) return [0, 0];
  const logS = Math.log(s);
  const seLogLog = Math.sqrt(greenwood) / Math.abs(logS);
  return [Math.pow(s, Math.exp(Z95 * seLogLog)), Math.pow(s, Math.exp(-Z95 * seLogLog))];
}

/** The step function's value at `time` (right-continuous). */
export function survivalAt(km: KaplanMeier, time: number): KmPoint | null {
  let found: KmPoint | null = null;
  for (const p of km.points) {
    if (p.time > time) break;
    found = p;
  }
  if (found) return found;
  return km.points.length ? { ...km.points[0]!, time, events: 0, censored: 0, survival: 1, se: 0, lower: 1, upper: 1 } : null;
}

/**
 * Median potential follow-up by the reverse Kaplan-Meier method (Schemper &
 * Smith 1996): censoring is the "event"; any event (status 1) ends observation.
 */
export function reverseKmMedian(times: readonly number[], status: readonly number[]): number | null {
  return kaplanMeier(times, status.map((s) => (s === 1 ? 0 : 1))).median;
}
