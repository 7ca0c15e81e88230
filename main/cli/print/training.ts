import type { TrainProgress } from '../../training/engine.js';
import { num } from '../../common/format.js';
import { LEAST_VALIDATION, validationCount, type StoppingRule } from '../../training/earlyStopping.js';

/** One progress line of a run: what loading is doing, or phase, step, losses, step time and ETA. */
export function progressLine(p: TrainProgress): string {
  if (p.phase === 'loading') return `run ${p.runId} loading: ${p.activity ?? ''} ...`;
  const losses = Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  const speed = p.msPerStep === null ? 'timing steps' : `${p.msPerStep.toFixed(0)} ms/step`;
  const s = p.stopping;
  const validation = s?.lastLoss == null ? '' : `; validation ${s.lastLoss.toFixed(3)} (best ${s.bestLoss!.toFixed(3)} at step ${num(s.bestStep)}, ${s.since}/${s.patience} checks without improvement)`;
  const eta = p.etaSeconds === null ? 'estimating' : `${s ? 'at most ' : ''}${duration(p.etaSeconds)}`;
  return `run ${p.runId} ${p.phase}: step ${num(p.step)}/${num(p.totalSteps)}, ${losses}${validation}; ${speed}, ETA ${eta}`;
}

/** How a run's stopping rule reads: validation patients, how often, patience and tolerance. */
export function stoppingRuleText(rule: StoppingRule, trainPatients: number): string {
  const held = validationCount(trainPatients, rule);
  if (held === 0) return `none (too few training patients to hold out ${LEAST_VALIDATION} for a validation loss): the step budget`;
  return `on the validation loss of ${num(held)} held-out training patients, checked every ${num(rule.every)} steps; stops after ${rule.patience} checks without a ${(rule.tolerance * 100).toFixed(1)}% improvement, keeping the best weights`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
