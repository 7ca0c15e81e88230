import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateOrReuse, findSyntheticSet, type EvaluationReport } from '../evaluation/evaluate.js';
import type { Db } from '../store/database.js';
import { ExportAuditRepository } from '../store/repositories/exportAuditRepository.js';
import { refuseFolderTarget, writeNewFolderAtomically } from '../common/atomicOutput.js';
import { exportCsv } from './csvExport.js';
import { dataCard, dataCardMarkdown, type ExportFormat } from './dataCard.js';
import { loadExportData } from './exportData.js';
import { writeFhir } from './fhirExport.js';
import { privacyGate, type GateEvaluation, type GateResult } from './gate.js';
import { BudgetRefusedError, checkBudget, planRelease, type PlannedRelease } from './ledger.js';
import { PrivacyLedgerRepository } from '../store/repositories/privacyLedgerRepository.js';
import { writeOmop } from './omopExport.js';
import { UserError, type ErrorCode } from '../common/errors.js';

export type { ExportFormat };

export class ExportRefusedError extends UserError {
  readonly code: ErrorCode = 'export-refused';
  constructor(readonly gate: GateResult) {
    super(
      `Export refused by the privacy gate. ${gate.verdict.line.split(':')[0]}:\n${gate.failures.map((f) => `  ${f}`).join('\n')}\n` +
        `${gate.verdict.advice.join('\n')}\n` +
        'Or override with a reason (--override "REASON"); the reason goes into the audit log and the data card.',
    );
    this.name = 'ExportRefusedError';
  }
}

/** The export's folder cannot be written: it exists already (never replaced), or its parent is a file. */
export class ExportTargetError extends UserError {
  override name = 'ExportTargetError';
  readonly code: ErrorCode = 'export-target';
}

export interface ExportResult {
  directory: string;
  files: { name: string; path: string; rows: number }[];
  dataCard: { json: string; markdown: string };
  gate: GateResult;
  /** The evaluation the gate acted on. */
  evaluation: GateEvaluation;
  overrideReason: string | null;
  auditId: number;
  /** The release as the ledger entered it: the model's epsilon and the source dataset's ledger before and after. */
  release: PlannedRelease;
  /** The reason given for passing the dataset's budget; null when within it (a reason given then is not recorded). */
  overBudgetReason: string | null;
  /** The data card's line on the release (its Privacy ledger section). */
  ledgerLine: string;
}

/**
 * Exports a synthetic set as CSV, FHIR R4 NDJSON or OMOP CDM v5.4 CSV, with a
 * data card, after the privacy gate, and writes an audit-log entry. The gate
 * acts on the report given, else on the set's stored evaluation with the
 * default options made by this evaluation version, else on a new one (stored). The folder `DIRECTORY/SET.FORMAT` must not
 * exist; it is written under a partial name and appears only complete, data
 * card included (atomicOutput.ts).
 */
export async function exportSyntheticSet(
  db: Db,
  options: { set: string; format: ExportFormat; directory: string; overrideReason?: string; overBudgetReason?: string; report?: EvaluationReport; progress?: (message: string) => void | Promise<void> },
): Promise<ExportResult> {
  const set = findSyntheticSet(db, options.set);
  const directory = join(options.directory, `${set.datasetName}.${options.format}`);
  const refusal = { what: 'an export', error: (m: string) => new ExportTargetError(m) };
  // Before the (slow) evaluation: a folder in the way, or a budget the set would pass, is said at once.
  refuseFolderTarget(directory, refusal);
  const planned = planRelease(db, set.datasetName);
  const overBudget = planned.withinBudget ? null : options.overBudgetReason?.trim() || null;
  checkBudget(planned, overBudget);
  let ledgerLine = '';
  const { report, evaluation } = await gateEvaluation(db, set.datasetName, options.report);
  const gate = privacyGate(report);
  // An override is only ever used (and recorded) when the gate refuses.
  const reason = gate.passed ? null : options.overrideReason?.trim() || null;
  if (!gate.passed && !reason) throw new ExportRefusedError(gate);
  const { filled: written, committed: auditId } = await writeNewFolderAtomically(
    directory,
    refusal,
    async (dir) => {
      await options.progress?.(`writing ${options.format} files`);
      const data = loadExportData(db, set.datasetName);
      const files = options.format === 'csv' ? (await exportCsv(db, set.datasetName, dir)).files : options.format === 'fhir' ? await writeFhir(data, dir) : await writeOmop(data, dir);
      await options.progress?.(`wrote ${files.length} files; writing the data card`);
      const listed = files.map((f) => ({ name: f.name, rows: f.rows }));
      const card = dataCard(db, set.datasetName, report, gate, evaluation, reason, options.format, listed, { release: planned, overBudgetReason: overBudget });
      ledgerLine = card.privacyLedger.line;
      writeFileSync(join(dir, 'DATA_CARD.json'), JSON.stringify(card, null, 2));
      writeFileSync(join(dir, 'DATA_CARD.md'), dataCardMarkdown(card));
      return listed;
    },
    // The audit entry, the ledger's and the rename together: a failed rename rolls the entries back.
    (publish, files) =>
      db.transaction(() => {
        // Read again inside the transaction: an export made meanwhile (the app and the CLI share a store) counts,
        // and the data card, written from the first reading, must say what is committed.
        const now = planRelease(db, set.datasetName);
        checkBudget(now, overBudget);
        if (JSON.stringify(now.after) !== JSON.stringify(planned.after) || now.ledger.budget !== planned.ledger.budget) {
          throw new BudgetRefusedError(`The privacy ledger of ${now.ledger.sourceDataset} changed while this set was being exported (another export, or a new budget): nothing was written. Export it again.`);
        }
        const id = new ExportAuditRepository(db).add({
          syntheticSetId: set.id,
          format: options.format,
          directory,
          filesJson: JSON.stringify(files),
          gateJson: JSON.stringify(gate),
          overrideReason: reason,
        });
        new PrivacyLedgerRepository(db).addRelease({
          sourceDatasetId: now.ledger.sourceDatasetId,
          sourceDataset: now.ledger.sourceDataset,
          runId: now.runId,
          syntheticSet: now.syntheticSet,
          exportAuditId: id,
          epsilon: now.epsilon,
          delta: now.delta,
          budgetEpsilon: now.ledger.budget,
          overBudgetReason: now.withinBudget ? null : overBudget,
        });
        publish();
        return id;
      }).immediate(),
  );
  return {
    directory,
    files: written.map((f) => ({ ...f, path: join(directory, f.name) })),
    dataCard: { json: join(directory, 'DATA_CARD.json'), markdown: join(directory, 'DATA_CARD.md') },
    gate,
    evaluation,
    overrideReason: reason,
    auditId,
    release: planned,
    overBudgetReason: overBudget,
    ledgerLine,
  };
}

async function gateEvaluation(db: Db, set: string, given: EvaluationReport | undefined): Promise<{ report: EvaluationReport; evaluation: GateEvaluation }> {
  if (given) return { report: given, evaluation: { generatedAt: given.generatedAt, id: null, reused: false } };
  const { report, evaluation, reused } = await evaluateOrReuse(db, set);
  return { report, evaluation: { generatedAt: evaluation.generatedAt, id: evaluation.id, reused } };
}
