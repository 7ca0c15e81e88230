import type { Encoding } from '../sequence/encoding.js';
import type { Db } from '../store/database.js';
import { EvaluationRepository } from '../store/repositories/evaluationRepository.js';
import type { EvaluateOptions, EvaluationReport } from './evaluate.js';
import { sensitiveField } from './privacy.js';
import { stratumField } from './stratumSurvival.js';

/**
 * The version of the evaluation's figures. Bump it whenever a metric changes:
 * how one is computed, its thresholds or verdict, which metrics the report
 * holds, or the report's shape. A stored evaluation made under another version
 * is never reused (an export's gate evaluates the set again instead).
 * Changes that keep every figure the same (a faster exact computation) keep it.
 */
export const EVALUATION_VERSION = 3;

/**
 * What an evaluation's figures depend on besides the two data sets and the
 * code: every option of `evaluate()`, with the defaults resolved against the
 * cohort, so that naming the default variable gives the same key as naming none.
 */
export interface EvaluationInputs {
  /** The static attribute inference guesses (null: the cohort has no categorical static). */
  sensitive: string | null;
  /** The static survival is stratified by (null: none is stratifiable). */
  stratum: string | null;
  /** Training steps of the post-hoc models (null: their defaults). */
  posthocSteps: number | null;
  /** The backend asked for. */
  backend: string;
}

/** The inputs of an evaluation with these options of a set of a cohort with this encoding. */
export function evaluationInputs(enc: Encoding, options: EvaluateOptions): EvaluationInputs {
  return {
    sensitive: options.sensitive ?? sensitiveField(enc)?.name ?? null,
    stratum: options.stratum ?? stratumField(enc)?.name ?? null,
    posthocSteps: options.posthocSteps ?? null,
    backend: options.backend ?? 'auto',
  };
}

/** Which stored evaluation a report is: for the data card and the export's result. */
export interface EvaluationRecord {
  id: number;
  /** When the evaluation was made (the report's generatedAt). */
  generatedAt: string;
  version: number;
  inputs: EvaluationInputs;
}

// JSON has no NaN or Infinity (a metric that could not be computed is NaN): they are stored tagged.
const NON_FINITE = '$nonFinite';
const encode = (_: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v);
const decode = (_: string, v: unknown) => (v !== null && typeof v === 'object' && NON_FINITE in v ? Number((v as Record<string, string>)[NON_FINITE]) : v);

// Built in one fixed key order: equal inputs give equal strings.
export const inputsKey = (i: EvaluationInputs): string => JSON.stringify({ sensitive: i.sensitive, stratum: i.stratum, posthocSteps: i.posthocSteps, backend: i.backend });

/** Stores a report (aggregates only) under its set, the current evaluation version and its inputs. */
export function storeEvaluation(db: Db, report: EvaluationReport, inputs: EvaluationInputs): EvaluationRecord {
  const id = new EvaluationRepository(db).save({
    syntheticSetId: report.syntheticSet.id,
    evaluationVersion: EVALUATION_VERSION,
    inputsJson: inputsKey(inputs),
    reportJson: JSON.stringify(report, encode),
    createdAt: report.generatedAt,
  });
  return { id, generatedAt: report.generatedAt, version: EVALUATION_VERSION, inputs };
}

/** The stored report of a set made by this evaluation version with these inputs, if any. */
export function storedEvaluation(db: Db, syntheticSetId: number, inputs: EvaluationInputs): { report: EvaluationReport; evaluation: EvaluationRecord } | undefined {
  const row = new EvaluationRepository(db).find({ syntheticSetId, evaluationVersion: EVALUATION_VERSION, inputsJson: inputsKey(inputs) });
  if (!row) return undefined;
  return { report: JSON.parse(row.reportJson, decode) as EvaluationReport, evaluation: { id: row.id, generatedAt: row.createdAt, version: row.evaluationVersion, inputs } };
}
