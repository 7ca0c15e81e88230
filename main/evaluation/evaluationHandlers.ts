import { conditionLine } from './conditionLine.js';
import type { EvaluationViewDto, Implementation } from '../../preload/contract.js';
import type { Db } from '../store/database.js';
import { SyntheticRepository } from '../store/repositories/syntheticRepository.js';
import { evaluateForSteward, type EvaluationReport } from './evaluate.js';
import type { ClosestRow } from './privacy.js';
import { writeReport } from './report.js';

/** The evaluation slice of the contract: a set judged against its cohort, the report files written in `reportsDir`. */
export function evaluationHandlers(db: Db, reportsDir: string) {
  return {
    evaluate: async (set, sensitive, stratum) => {
      const { report, closest } = await evaluateForSteward(db, set, { sensitive, stratum });
      return evaluationView(report, writeReport(report, reportsDir), closest);
    },
    listSyntheticSets: () => new SyntheticRepository(db).list().map((s) => ({ id: s.id, dataset: s.datasetName, runId: s.runId, patients: s.patients, createdAt: s.createdAt, cohort: s.cohort })),
  } satisfies Partial<Implementation>;
}

/**
 * What the Evaluate step draws: the share verdict, the metrics, headline
 * numbers, survival curves and binned numeric marginals, and for the steward
 * only, the closest training patients (by internal row number).
 */
function evaluationView(r: EvaluationReport, reportPaths: { html: string; json: string }, closest: ClosestRow[] = []): EvaluationViewDto {
  const finite = (x: number | undefined) => (x === undefined ? undefined : Number.isFinite(x) ? x : null);
  const row = (m: EvaluationReport['metrics'][number]) => ({ ...m, value: finite(m.value) ?? null, baseline: finite(m.baseline) });
  return {
    syntheticSet: { id: r.syntheticSet.id, dataset: r.syntheticSet.dataset, patients: r.syntheticSet.patients },
    cohort: { name: r.cohort.name, version: r.cohort.version },
    realDataset: r.cohort.dataset,
    dataUse: r.dataUse,
    condition: r.condition ? { ...r.condition, line: conditionLine(r.condition) } : null,
    headline: r.headline,
    verdict: r.verdict,
    metrics: r.metrics.map(row),
    detectionFeatures: r.detection.features,
    verdicts: r.verdicts,
    survival: { real: r.survival.real.km.points, synthetic: r.survival.synthetic.km.points, logRankP: r.survival.logRank.p },
    strata: stratumView(r),
    subgroups: {
      minimumHoldout: r.subgroups.minimumHoldout,
      rows: r.subgroups.rows.map((g) => ({ attribute: g.attribute, level: g.level, train: g.train.share, holdout: g.holdout.share, synthetic: g.synthetic.share, judged: g.judged, metrics: g.metrics.map(row) })),
      worst: r.subgroups.worst,
    },
    numeric: r.fidelity.numeric.map((n) => ({ variable: n.variable, kind: n.kind, unit: n.unit, edges: n.edges, real: n.real, synthetic: n.synthetic, n: n.n })),
    closest: closest.map((c) => ({ row: c.row, distance: c.distance, relative: finite(c.relative) ?? 0 })),
    reportPaths,
  };
}

/** Kaplan-Meier by the levels of the chosen stratum, with the log-rank p-value of each level (its metric). */
function stratumView(r: EvaluationReport): EvaluationViewDto['strata'] {
  const by = r.clinical.survivalByStratum;
  const p = (level: string) => {
    const m = r.metrics.find((x) => x.group === 'survival' && x.variable === `${by!.variable} = ${level}`);
    return m && Number.isFinite(m.value) ? m.value : null;
  };
  return {
    variable: by?.variable ?? null,
    choices: r.clinical.stratumChoices,
    levels: by ? by.levels.map((l) => ({ level: l.level, real: l.real.points, synthetic: l.synthetic.points, logRankP: p(l.level) })) : [],
    suppressed: by?.suppressed ?? [],
  };
}
