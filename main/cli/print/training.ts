import type { TrainProgress } from '../../training/engine.js';
import { num } from '../../common/format.js';

/** One progress line of a run: what loading is doing, or phase, step, losses, step time and ETA. */
export function progressLine(p: TrainProgress): string {
  if (p.phase === 'loading') return `run ${p.runId} loading: ${p.activity ?? ''} ...`;
  const losses = Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  const speed = p.msPerStep === null ? 'timing steps' : `${p.msPerStep.toFixed(0)} ms/step`;
  return `run ${p.runId} ${p.phase}: step ${num(p.step)}/${num(p.totalSteps)}, ${losses}; ${speed}, ETA ${p.etaSeconds === null ? 'estimating' : duration(p.etaSeconds)}`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
