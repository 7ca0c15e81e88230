import type { Db } from '../store/database.js';
import { exportSyntheticSet } from './exportSet.js';

/**
 * The export's store work. Not a contract method: main calls it with the folder
 * the user chose in its dialog, so the renderer never supplies a path
 * (exportSynthetic in main/ipc/appHandlers.ts asks, then calls this).
 */
export function exportHandlers(db: Db) {
  return {
    exportTo: async (set: string, format: 'csv' | 'fhir' | 'omop', directory: string, reason?: string, overBudgetReason?: string) => {
      const r = await exportSyntheticSet(db, { set, format, directory, overrideReason: reason, overBudgetReason });
      return {
        directory: r.directory,
        files: r.files.map((f) => ({ name: f.name, rows: f.rows })),
        gate: r.gate,
        verdict: r.gate.verdict.line,
        overrideReason: r.overrideReason,
        evaluatedAt: r.evaluation.generatedAt,
        evaluationReused: r.evaluation.reused,
        dataCard: r.dataCard.markdown,
        ledgerLine: r.ledgerLine,
        overBudgetReason: r.overBudgetReason,
      };
    },
  };
}
