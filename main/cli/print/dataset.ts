import { bytes, num, pct, table } from '../../common/format.js';
import type { DatasetSummary } from '../../ingest/datasetSummary.js';
import { daysToIso } from '../../ingest/values.js';
import type { Out } from '../output.js';

/** What inspect prints of a dataset (the demo too): counts, variables, visits, follow-up, events, imports. */
export function printSummary(out: Out, s: DatasetSummary, warningLimit: number): void {
  const d = s.dataset;
  const calendar = d.timeBasis === 'calendar';
  out(`Dataset "${d.name}" (id ${d.id}): ${d.timeBasis} time, imported ${d.createdAt}`);
  if (d.description) out(d.description);
  out(`patients ${num(d.patients)}, visits ${num(s.visits)}, measurements ${num(d.measurements)}, events ${num(d.events)}, outcomes ${num(s.outcomes)}\n`);

  out('Variables');
  const value = (v: number, kind: string) => (kind === 'date' && calendar ? daysToIso(Math.round(v)) : num(v));
  out(
    table(
      ['variable', 'role', 'kind', 'unit', 'observed', 'missing', 'min', 'median', 'max / categories'],
      s.variables.map((v) => {
        const q = v.numeric;
        const k = v.variable.kind;
        const cats = v.categories?.slice(0, 6).map((c) => `${c.level}: ${num(c.count)}`).join(', ');
        const more = v.categories && v.categories.length > 6 ? `, +${v.categories.length - 6} more` : '';
        return [
          v.variable.name,
          v.variable.role,
          k,
          v.variable.unit ?? '',
          num(v.observed),
          pct(v.missingShare),
          q ? value(q.min, k) : '',
          q ? value(q.median, k) : '',
          q ? value(q.max, k) : `${cats ?? ''}${more}`,
        ];
      }),
      [false, false, false, false, true, true, true, true, false],
    ),
  );
  const vp = s.visitsPerPatient;
  out(`\nVisits per patient: ${vp ? `min ${num(vp.min)}, median ${num(vp.median)}, mean ${num(vp.mean)}, max ${num(vp.max)}` : 'none'}`);
  const fu = s.followUpDays;
  out(
    `Follow-up from index (days): ${fu ? `n ${num(fu.n)}, min ${num(fu.min)}, quartiles ${num(fu.p25)} / ${num(fu.median)} / ${num(fu.p75)}, max ${num(fu.max)} (median ${(fu.median / 365.25).toFixed(1)} years)` : 'no follow-up recorded'}`,
  );
  const outcome = s.outcomeEvents.map((e) => `${e.type}: ${num(e.count)}`).join(', ');
  out(`Outcome: ${num(s.outcomes)} patients with follow-up; events ${outcome || 'none'}; censoring rate ${pct(s.censoringRate)}`);
  if (s.events.length) {
    out('\nEvents');
    out(table(['type', 'events', 'patients'], s.events.map((e) => [e.type, num(e.count), num(e.patients)]), [false, true, true]));
  }
  for (const imp of s.imports) {
    out(`\nImport ${imp.id}: ${imp.startedAt} .. ${imp.finishedAt}, ${num(imp.rowsRead)} rows`);
    out(table(['file', 'rows', 'size', 'sha256'], imp.files.map((f) => [f.fileName, num(f.rowsRead), bytes(f.sizeBytes), f.sha256.slice(0, 16)]), [false, true, true]));
    printWarnings(out, imp.warningCount, imp.warningsByRule, imp.warnings, warningLimit);
  }
}

/** An import's warnings: the count by rule, then the first `limit`. */
export function printWarnings(
  out: Out,
  total: number,
  byRule: { rule: string; count: number }[],
  list: { message: string; file?: string; fileName?: string; line?: number | null; column?: string | null }[],
  limit: number,
): void {
  if (total === 0) {
    out('Warnings: none');
    return;
  }
  out(`Warnings: ${num(total)} (${byRule.map((r) => `${r.rule} ${num(r.count)}`).join(', ')})`);
  for (const w of list.slice(0, limit)) {
    const where = [w.file ?? w.fileName, w.line ? `line ${w.line}` : undefined, w.column ? `column "${w.column}"` : undefined].filter(Boolean).join(', ');
    out(`  ${where}: ${w.message}`);
  }
  if (total > limit) out(`  ... ${num(total - Math.min(limit, list.length))} more (synthehr inspect DATASET --warnings N)`);
}
