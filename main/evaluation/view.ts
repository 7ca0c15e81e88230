import type { EvaluationViewDto } from '../../preload/contract.js';
import type { EvaluationReport } from './evaluate.js';

/** What the Evaluate step draws: the metrics, headline numbers, survival curves and numeric marginals. */
export function evaluationView(r: EvaluationReport, reportPaths: { html: string; json: string }): EvaluationViewDto {
  const finite = (x: number | undefined) => (x === undefined ? undefined : Number.isFinite(x) ? x : null);
  return {
    syntheticSet: { id: r.syntheticSet.id, dataset: r.syntheticSet.dataset, patients: r.syntheticSet.patients },
    cohort: { name: r.cohort.name, version: r.cohort.version },
    realDataset: r.cohort.dataset,
    dataUse: r.dataUse,
    headline: r.headline,
    metrics: r.metrics.map((m) => ({ ...m, value: finite(m.value) ?? null, baseline: finite(m.baseline) })),
    verdicts: r.verdicts,
    survival: { real: r.survival.real.km.points, synthetic: r.survival.synthetic.km.points, logRankP: r.survival.logRank.p },
    numeric: r.fidelity.numeric.map((n) => ({ variable: n.variable, kind: n.kind, real: n.real, synthetic: n.synthetic })),
    reportPaths,
  };
}
