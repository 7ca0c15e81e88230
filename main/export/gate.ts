import { shareVerdict, type ShareVerdict, type VerdictInput } from '../evaluation/verdict.js';

export interface GateResult {
  passed: boolean;
  /** Why the gate refuses: the verdict's reasons. */
  failures: string[];
  /** The share verdict the gate acted on. */
  verdict: ShareVerdict;
}

/** Which evaluation the gate acted on: when it was made, its stored id (null: a report handed to the export), and whether it was reused. */
export interface GateEvaluation {
  generatedAt: string;
  id: number | null;
  reused: boolean;
}

/**
 * The privacy gate acts on the share verdict (evaluation/verdict.ts): it
 * refuses a set that is not fit to share — too few patients to judge, a
 * privacy metric (attribute inference included) that fails or could not be
 * computed (n/a counts as failing), a required privacy check missing.
 * The verdict is derived again from the metrics given, so a report whose
 * metrics were replaced cannot carry a stale verdict through.
 */
export function privacyGate(report: VerdictInput): GateResult {
  const verdict = shareVerdict(report);
  const passed = verdict.level !== 'unfit';
  return { passed, failures: passed ? [] : verdict.reasons, verdict };
}
