import { resolve } from 'node:path';
import { pct, table } from '../../common/format.js';
import { reviewResults, type ReviewResults } from '../../review/results.js';
import { createReviewSession } from '../../review/session.js';
import { exportSessionFile, importAnswersFile, REAL_DATA_WARNING } from '../../review/sessionFile.js';
import { integerArg, numberArg, outputFileArg, seedArg, UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult, type Out } from '../output.js';
import { withStore } from '../store.js';

export const reviewCommand = defineCommand({
  name: 'review',
  summary: 'blinded review by clinicians: can they tell synthetic cases from real ones?',
  usage: [
    'create SET [--cases N] [--synthetic-share X] [--subgroup A=LEVEL] [--seed N] [--json]',
    'export SESSION --out FILE --reviewer NAME',
    'import FILE',
    'results SESSION [--json]',
  ],
  details:
    'create: a blinded, shuffled mix of synthetic and real holdout cases; with --subgroup, all of them (real and synthetic) from one subgroup of the cohort.\n\n' +
    'export: the cases for a reviewer elsewhere; the file CONTAINS REAL PATIENT DATA (holdout cases, rounded and jittered), never replaces a file, and is audit-logged.\n\n' +
    "import: a reviewer's answers file.\n\n" +
    'results: accuracy, sensitivity, specificity, binomial test, kappa.',
  options: {
    cases: { type: 'string', arg: 'N', help: 'cases in the session, 2 to 1000 (default 20)' },
    'synthetic-share': { type: 'string', arg: 'X', help: 'the share of synthetic cases, above 0 and below 1 (default 0.5)' },
    seed: { type: 'string', arg: 'N', help: 'the seed of the draw and the shuffle, 0 to 2147483647 (default: from the clock)' },
    subgroup: { type: 'string', arg: 'A=LEVEL', help: 'draw every case from one subgroup: a categorical static, "age band at index" or "outcome status" and its level, e.g. sex=F' },
    out: { type: 'string', arg: 'FILE', help: 'the session file export writes' },
    reviewer: { type: 'string', arg: 'NAME', help: 'who the exported file is for: it goes into the file and the audit log' },
    ...commonOptions,
  },
  examples: ['review create steno2_death_vae_r1_s1 --cases 20 --db study.db', 'review export 1 --out session.json --reviewer "Dr A" --db study.db'],
  async run({ args, values, dbPath, out }) {
    const [sub, arg] = args;
    return withStore(dbPath, (db) => {
      if (sub === 'create') {
        if (!arg) throw new UsageError('review create needs a synthetic SET');
        const s = createReviewSession(db, {
          set: arg,
          cases: values.cases === undefined ? undefined : integerArg(values.cases, '--cases', { min: 2, max: 1000 }),
          syntheticShare: values['synthetic-share'] === undefined ? undefined : numberArg(values['synthetic-share'], '--synthetic-share', { min: 0, max: 1, exclusive: true }),
          seed: values.seed === undefined ? undefined : seedArg(values.seed),
          ...(values.subgroup === undefined ? {} : { subgroup: subgroupArg(values.subgroup) }),
        });
        out(values.json ? JSON.stringify(s, null, 2) : `Review session ${s.id} (${s.token}): ${s.cases} cases, ${s.real} real holdout and ${s.synthetic} synthetic${s.subgroup ? `, all of ${s.subgroup}` : ''}, shuffled and blinded.\nGive it to a reviewer with: synthehr review export ${s.id} --out FILE --reviewer NAME (the file contains real patient data)`);
        return 0;
      }
      if (sub === 'export') {
        if (!arg || !values.out || !values.reviewer) throw new UsageError('review export needs a SESSION, --out FILE and --reviewer NAME (it goes into the file and the audit log)');
        const r = exportSessionFile(db, arg, outputFileArg(resolve(values.out), '--out'), { reviewer: values.reviewer });
        process.stderr.write(`${REAL_DATA_WARNING}\n`);
        out(`Wrote ${r.cases} cases (${r.real} real, ${r.synthetic} synthetic) for ${values.reviewer} to ${r.path}; audit entry ${r.auditId}. Values rounded, days jittered, no identifiers, no answers.`);
        return 0;
      }
      if (sub === 'import') {
        if (!arg) throw new UsageError('review import needs an answers FILE');
        const r = importAnswersFile(db, resolve(arg));
        out(`Imported ${r.answers} answers of ${r.reviewer} into session ${r.session}.`);
        return 0;
      }
      if (sub === 'results') {
        if (!arg) throw new UsageError('review results needs a SESSION');
        printResult(out, values.json, reviewResults(db, arg), printReview);
        return 0;
      }
      throw new UsageError('review needs create, export, import or results');
    });
  },
});

/** --subgroup A=LEVEL (the attribute's name may hold spaces: "age band at index=60-69"). */
function subgroupArg(text: string): { attribute: string; level: string } {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`--subgroup is ATTRIBUTE=LEVEL (e.g. sex=F), not "${text}"`);
  return { attribute: text.slice(0, at).trim(), level: text.slice(at + 1).trim() };
}

function printReview(out: Out, r: ReviewResults): void {
  out(`Review session ${r.session.id}: ${r.session.cases} cases (${r.session.real} real, ${r.session.synthetic} synthetic)${r.session.subgroup ? `, all of ${r.session.subgroup}` : ''}`);
  const p = (x: number) => (Number.isFinite(x) ? pct(x) : '-');
  out(
    table(
      ['reviewer', 'answered', 'accuracy', 'sensitivity', 'specificity', 'binomial p'],
      [...r.reviewers, r.pooled].map((x) => [x.reviewer, x.answered, p(x.accuracy), p(x.sensitivity), p(x.specificity), x.pValue.toPrecision(3)]),
      [false, true, true, true, true, true],
    ),
  );
  out(`Fleiss' kappa between reviewers: ${r.fleissKappa === null ? '- (fewer than two reviewers)' : r.fleissKappa.toFixed(3)}`);
  out(`Most flagged: ${r.flaggedFeatures.slice(0, 8).map((f) => `${f.feature} (${f.count})`).join(', ') || 'none'}`);
}
