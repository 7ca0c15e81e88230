import { resolve } from 'node:path';
import { num, table } from '../../common/format.js';
import type { ExportResult } from '../../export/exportSet.js';
import { compositionLine } from '../../export/ledger.js';
import { outputFolderArg, UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult, type Out } from '../output.js';
import { withStore } from '../store.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'a synthetic set as CSV, FHIR or OMOP files with its data card, after the privacy gate',
  usage: ['SET --format csv|fhir|omop [--out DIR] [--override REASON] [--over-budget REASON] [--json]'],
  details:
    'The privacy gate acts on the set\'s stored evaluation with the default options (made by synthehr evaluate, the app or an earlier export, by this version\'s evaluation), else evaluates the set and stores it; ' +
      'it refuses a set that is not fit to share; --override exports it anyway and records the reason in the audit log and the data card. ' +
    'The files go into a new folder DIR/SET.FORMAT; every export is audit-logged and enters the privacy ledger (synthehr ledger), ' +
    "which refuses an export that would pass the epsilon budget set for the set's real dataset unless given --over-budget REASON.",
  options: {
    format: { type: 'string', arg: 'csv|fhir|omop', help: 'CSV, FHIR R4 NDJSON or OMOP CDM v5.4 CSV' },
    out: { type: 'string', arg: 'DIR', help: 'the folder to export into (default ./exports)' },
    override: { type: 'string', arg: 'REASON', help: 'export a set the privacy gate refuses, for this reason (recorded; not needed when the gate passes)' },
    'over-budget': { type: 'string', arg: 'REASON', help: "export a set that passes its dataset's epsilon budget, for this reason (recorded in the ledger and the data card)" },
    ...commonOptions,
  },
  examples: ['export steno2_death_vae_r1_s1 --format csv --out exports --db study.db'],
  async run({ args, values, dbPath, out }) {
    const set = args[0];
    if (!set) throw new UsageError('export needs a synthetic SET (its dataset name)');
    const format = values.format;
    if (format !== 'csv' && format !== 'fhir' && format !== 'omop') throw new UsageError('export needs --format csv, fhir or omop');
    const outDir = outputFolderArg(resolve(values.out ?? 'exports'), '--out');
    const { exportSyntheticSet } = await import('../../export/exportSet.js');
    return withStore(dbPath, async (db) => {
      const result = await exportSyntheticSet(db, { set, format, directory: outDir, overrideReason: values.override, overBudgetReason: values['over-budget'] });
      printResult(out, values.json, result, (o, r) => printExport(o, set, format, r, values.override));
      return 0;
    });
  },
});

function printExport(out: Out, set: string, format: string, result: ExportResult, override: string | undefined): void {
  out(result.gate.verdict.line);
  out(`Exported "${set}" as ${format} to ${result.directory}`);
  out(table(['file', 'rows'], result.files.map((f) => [f.name, num(f.rows)]), [false, true]));
  if (result.gate.passed) out(`Privacy gate: passed${override?.trim() ? ' (--override was not needed and was not recorded)' : ''}`);
  else out(`The privacy gate refused this set; exported under override: "${result.overrideReason}". Refused for: ${result.gate.verdict.reasons.join('; ')}`);
  const e = result.evaluation;
  out(`The gate acted on the evaluation made ${e.generatedAt}${e.id === null ? '' : ` (stored evaluation ${e.id}, ${e.reused ? 'reused' : 'made for this export'})`}`);
  const r = result.release;
  out(
    `Privacy ledger of ${r.ledger.sourceDataset}: ${compositionLine(r.after)}${r.ledger.budget === null ? '' : ` (budget epsilon ${r.ledger.budget}${r.withinBudget ? '' : `, passed under --over-budget: "${result.overBudgetReason}"`})`}` +
      `${r.modelReleasedBefore ? `; run ${r.runId} had released a set before, so this export added nothing` : ''}`,
  );
  out(`Data card: ${result.dataCard.markdown}\nAudit log entry ${result.auditId}`);
}
