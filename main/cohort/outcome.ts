import type { OutcomeRule } from './definition.js';

export interface TimedEvent {
  time: number;
  type: string;
}

/** What the store knows about one patient's follow-up. */
export interface FollowUpFacts {
  /** From the outcomes table; null when the patient has no outcome row. */
  followupEnd: number | null;
  /** The patient's last measurement or event, used when there is no follow-up end. */
  lastRecord: number | null;
  /** Every event, the outcome table's event included, in any order. */
  events: readonly TimedEvent[];
}

export type OutcomeStatus = 0 | 1 | 2;

export interface ResolvedOutcome {
  /** Absolute time (store days) at which follow-up ends: the event or censoring. */
  endTime: number;
  /** Days from the index date to `endTime`. */
  days: number;
  /** 0 censored, 1 outcome event, 2 competing event. */
  status: OutcomeStatus;
  eventType: string | null;
  /** How the end was reached, for the cohort's notes. */
  reason: 'event' | 'competing' | 'censored-at-end' | 'censored-by-event' | 'horizon' | 'window-end' | 'event-after-end-exit' | 'event-after-end-censored';
  /** True when the end of follow-up came from the last record (no outcome row). */
  endFromLastRecord: boolean;
}

/**
 * Resolves time-to-event from the index date: the first outcome event at or
 * after the index, unless a competing event, a censoring event, the end of
 * follow-up, the administrative horizon or the sequence window comes first.
 * Returns null when there is no follow-up after the index date.
 */
export function resolveOutcome(facts: FollowUpFacts, rule: OutcomeRule, indexTime: number, windowToDays?: number): ResolvedOutcome | null {
  const endFromLastRecord = facts.followupEnd === null;
  const followupEnd = facts.followupEnd ?? facts.lastRecord;
  if (followupEnd === null || followupEnd < indexTime) return null;
  const first = (types: readonly string[]) => {
    let best: TimedEvent | null = null;
    for (const e of facts.events) {
      if (e.time >= indexTime && types.includes(e.type) && (best === null || e.time < best.time)) best = e;
    }
    return best;
  };

  // Candidates, earliest wins; on a tie the outcome event beats the others.
  const candidates: { time: number; status: OutcomeStatus; type: string | null; reason: ResolvedOutcome['reason'] }[] = [];
  const event = first(rule.events);
  if (event) {
    if (event.time <= followupEnd) candidates.push({ time: event.time, status: 1, type: event.type, reason: 'event' });
    else if (rule.afterFollowUpEnd === 'exit') candidates.push({ time: followupEnd, status: 1, type: event.type, reason: 'event-after-end-exit' });
  }
  const competing = first(rule.competing);
  if (competing) {
    if (competing.time <= followupEnd) candidates.push({ time: competing.time, status: 2, type: competing.type, reason: 'competing' });
    else if (rule.afterFollowUpEnd === 'exit') candidates.push({ time: followupEnd, status: 2, type: competing.type, reason: 'event-after-end-exit' });
  }
  const censoring = first(rule.censorOn);
  if (censoring && censoring.time <= followupEnd) candidates.push({ time: censoring.time, status: 0, type: null, reason: 'censored-by-event' });
  const lateEvent = event !== null && event.time > followupEnd && rule.afterFollowUpEnd === 'censor';
  candidates.push({ time: followupEnd, status: 0, type: null, reason: lateEvent ? 'event-after-end-censored' : 'censored-at-end' });
  if (rule.horizonDays !== undefined) candidates.push({ time: indexTime + rule.horizonDays, status: 0, type: null, reason: 'horizon' });
  if (windowToDays !== undefined) candidates.push({ time: indexTime + windowToDays, status: 0, type: null, reason: 'window-end' });

  let best = candidates[0]!;
  for (const c of candidates.slice(1)) {
    if (c.time < best.time || (c.time === best.time && rank(c.status) < rank(best.status))) best = c;
  }
  return {
    endTime: best.time,
    days: best.time - indexTime,
    status: best.status,
    eventType: best.type,
    reason: best.reason,
    endFromLastRecord,
  };
}

function rank(status: OutcomeStatus): number {
  return status === 1 ? 0 : status === 2 ? 1 : 2;
}
