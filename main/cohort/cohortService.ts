import type { CohortProgressDto } from '../../preload/contract.js';
import { createHash } from 'node:crypto';
import type { Db } from '../store/database.js';
import { CohortRepository, type CohortRow } from '../store/repositories/cohortRepository.js';
import { quantiles, type Quantiles } from '../store/repositories/datasetRepository.js';
import type { Encoding } from '../sequence/encoding.js';
import { fitEncoding } from '../sequence/fitEncoding.js';
import { summarizeEncoding, type EncodingSummary } from '../sequence/summary.js';
import { iterateTimelines } from '../sequence/timeline.js';
import { buildCohort, type AttritionStep } from './buildCohort.js';
import { parseDefinition, type CohortDefinition } from './definition.js';
import { kaplanMeier, reverseKmMedian, survivalAt, type KaplanMeier } from './survival.js';
import { UserError, type ErrorCode } from '../common/errors.js';

export interface OutcomeSummary {
  patients: number;
  events: number;
  competing: number;
  censored: number;
  censoringRate: number;
  /** Observed follow-up (days from index to event or censoring). */
  followUpDays: Quantiles | null;
  /** Median potential follow-up, reverse Kaplan-Meier (days). */
  medianFollowUpReverseKm: number | null;
  km: KaplanMeier;
  /** Survival at 1, 2, 5, 10 and 20 years, or at 7..180 days for short follow-up (only within follow-up). */
  milestones: { days: number; survival: number; lower: number; upper: number; atRisk: number }[];
}

export interface CohortReport {
  id: number;
  name: string;
  version: number;
  dataset: string;
  createdAt: string;
  definition: CohortDefinition;
  attrition: AttritionStep[];
  split: { train: number; holdout: number; byStatus: { status: number; train: number; holdout: number }[] };
  outcome: OutcomeSummary;
  notes: string[];
  encoding: Encoding;
  encodingSummary: EncodingSummary;
  /** True when `create` found the same definition and members as the latest version. */
  unchanged?: boolean;
}

interface StoredSummary {
  split: CohortReport['split'];
  outcome: OutcomeSummary;
  notes: string[];
  encodingSummary: EncodingSummary;
}

export class CohortNotFoundError extends UserError {
  readonly code: ErrorCode = 'cohort-not-found';
  constructor(ref: string, known: string[]) {
    super(`No cohort "${ref}" in this store.${known.length ? ` Cohorts: ${known.join(', ')}.` : ' Create one with: synthehr cohort create --definition FILE'}`);
    this.name = 'CohortNotFoundError';
  }
}

export type CohortStage = CohortProgressDto['stage'];

/**
 * Builds a cohort from a definition and stores it as the next version of its
 * name (or returns the latest one when nothing changed), with transforms
 * fitted on its training split. All in one transaction: a failure stores nothing.
 */
export function createCohort(db: Db, input: unknown, onStage: (s: CohortStage) => void = () => {}): CohortReport {
  const def = parseDefinition(input);
  const repo = new CohortRepository(db);
  onStage('selecting');
  const built = buildCohort(db, def);
  const definitionJson = JSON.stringify(def);
  const definitionSha256 = sha256(definitionJson);
  const membersSha256 = sha256(JSON.stringify(built.members.map((m) => [m.patientId, m.split, m.indexTime, m.outcome.days, m.outcome.status, m.outcome.eventType])));
  const latest = repo.latest(def.name);
  if (latest && latest.definitionSha256 === definitionSha256 && latest.membersSha256 === membersSha256) {
    return { ...reportOf(repo, latest), unchanged: true };
  }
  const id = db.transaction(() => {
    const { id } = repo.insert(
      { datasetId: built.dataset.id, name: def.name, definitionJson, definitionSha256, membersSha256, createdAt: new Date().toISOString() },
      built.members.map((m) => ({ patientId: m.patientId, split: m.split, indexTime: m.indexTime, outcomeDays: m.outcome.days, status: m.outcome.status, eventType: m.outcome.eventType })),
      built.attrition,
    );
    onStage('fitting');
    const timelines = () => iterateTimelines(db, { cohortId: id, fromDays: def.window.fromDays });
    const encoding = fitEncoding({ def, variables: built.variables, timeBasis: built.dataset.timeBasis, timelines });
    onStage('summarizing');
    const summary: StoredSummary = {
      split: splitSummary(built.members.map((m) => ({ split: m.split, status: m.outcome.status }))),
      outcome: summarizeOutcome(built.members.map((m) => ({ days: m.outcome.days, status: m.outcome.status }))),
      notes: built.notes,
      encodingSummary: summarizeEncoding(timelines(), encoding),
    };
    repo.setEncoding(id, JSON.stringify(encoding), JSON.stringify(summary));
    return id;
  }).immediate();
  return reportOf(repo, repo.find(String(id))!);
}

export function listCohorts(db: Db): CohortRow[] {
  return new CohortRepository(db).list();
}

/** A stored cohort version by `name`, `name@version` or id. */
export function showCohort(db: Db, ref: string): CohortReport {
  const repo = new CohortRepository(db);
  const row = repo.find(ref);
  if (!row) throw new CohortNotFoundError(ref, [...new Set(repo.list().map((c) => c.name))]);
  return reportOf(repo, row);
}

function reportOf(repo: CohortRepository, row: CohortRow): CohortReport {
  const summary = JSON.parse(row.summaryJson) as StoredSummary;
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    dataset: row.datasetName,
    createdAt: row.createdAt,
    definition: JSON.parse(row.definitionJson) as CohortDefinition,
    attrition: repo.attrition(row.id),
    ...summary,
    encoding: JSON.parse(row.encodingJson) as Encoding,
  };
}

export function summarizeOutcome(members: { days: number; status: number }[]): OutcomeSummary {
  const times = members.map((m) => m.days);
  const status = members.map((m) => m.status);
  const km = kaplanMeier(times, status.map((s) => (s === 1 ? 1 : 0)));
  const events = status.filter((s) => s === 1).length;
  const competing = status.filter((s) => s === 2).length;
  const censored = members.length - events - competing;
  const maxTime = Math.max(0, ...times);
  // Years for long follow-up, days for short (ICU-like) follow-up.
  const marks = maxTime >= 365.25 ? [1, 2, 5, 10, 20].map((y) => y * 365.25) : [7, 14, 28, 30, 60, 90, 180];
  const milestones = marks
    .filter((d) => d <= maxTime)
    .map((d) => {
      const p = survivalAt(km, d)!;
      return { days: d, survival: p.survival, lower: p.lower, upper: p.upper, atRisk: times.filter((t) => t >= d).length };
    });
  return {
    patients: members.length,
    events,
    competing,
    censored,
    censoringRate: members.length ? censored / members.length : 0,
    followUpDays: quantiles(times.slice().sort((a, b) => a - b)),
    medianFollowUpReverseKm: reverseKmMedian(times, status.map((s) => (s === 0 ? 0 : 1))),
    km,
    milestones,
  };
}

function splitSummary(members: { split: 'train' | 'holdout'; status: number }[]): CohortReport['split'] {
  const statuses = [...new Set(members.map((m) => m.status))].sort();
  return {
    train: members.filter((m) => m.split === 'train').length,
    holdout: members.filter((m) => m.split === 'holdout').length,
    byStatus: statuses.map((status) => ({
      status,
      train: members.filter((m) => m.status === status && m.split === 'train').length,
      holdout: members.filter((m) => m.status === status && m.split === 'holdout').length,
    })),
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
