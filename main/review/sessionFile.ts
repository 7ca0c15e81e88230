import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeNewFileAtomically } from '../common/atomicOutput.js';
import type { Db } from '../store/database.js';
import { ReviewRepository } from '../store/repositories/reviewRepository.js';
import { MAX_JITTER_DAYS } from './caseTreatment.js';
import { ReviewError, type ReviewCase, type ReviewTreatment } from './session.js';

/** Said in the session file itself, in the app, and by the CLI: the file holds real patients' records. */
export const REAL_DATA_WARNING =
  'CONTAINS REAL PATIENT DATA. Some of these cases are records of real patients, the others are synthetic. ' +
  'Treat this file as protected health information: keep it on approved systems, give it only to the reviewer named in it, and delete it once the answers are back. ' +
  `Identifiers and calendar dates are removed, values are rounded and days from the index date moved by up to ${MAX_JITTER_DAYS} days, the same for every case.`;

/**
 * The file a reviewer on another workstation gets: the cases, no identifiers,
 * no truth; marked as holding real patient data. Written whole or not at all,
 * never over an existing file, and logged with the reviewer and case counts.
 */
export function exportSessionFile(db: Db, sessionRef: string, path: string, options: { reviewer?: string } = {}) {
  const reviewer = options.reviewer?.trim() ?? '';
  if (!reviewer || reviewer.length > 100) throw new ReviewError('A session file export needs the name of the reviewer it is for (up to 100 characters): it goes into the audit log and the file.');
  const repo = new ReviewRepository(db);
  const session = repo.session(sessionRef);
  if (!session) throw new ReviewError(`No review session "${sessionRef}".`);
  if (session.treatmentJson === null)
    throw new ReviewError(`Review session ${session.id} was created before review cases were rounded and jittered: its real cases carry values verbatim. Create a new session and export that one.`);
  const stored = repo.cases(session.id);
  const counts = { cases: stored.length, real: stored.filter((c) => c.truth === 'real').length, synthetic: stored.filter((c) => c.truth === 'synthetic').length };
  const text = JSON.stringify(
    {
      format: 'synthehr-review-session/2',
      containsRealPatientData: true,
      warning: REAL_DATA_WARNING,
      token: session.token,
      reviewer,
      instructions: 'For each case answer "real" or "synthetic", a confidence from 1 (guess) to 5 (certain), and the features that gave it away. Days are counted from each case\'s index date.',
      treatment: JSON.parse(session.treatmentJson) as ReviewTreatment,
      cases: stored.map((c) => JSON.parse(c.caseJson) as ReviewCase),
    },
    null,
    2,
  );
  // The log entry and the file together: a failed write rolls the entry back.
  const auditId = db.transaction(() => {
    const id = repo.logFileExport({ sessionId: session.id, token: session.token, reviewer, path, ...counts });
    writeNewFileAtomically(path, text, { what: 'a session file', error: (m) => new ReviewError(m) });
    return id;
  })();
  return { ...counts, path, auditId };
}

const answersFile = z.strictObject({
  format: z.literal('synthehr-review-answers/1'),
  token: z.string().min(1),
  reviewer: z.string().min(1).max(100),
  answers: z.array(z.strictObject({ position: z.number().int().min(1), answer: z.enum(['real', 'synthetic']), confidence: z.number().int().min(1).max(5), flags: z.array(z.string().max(100)).default([]) })),
});
export type AnswersFile = z.input<typeof answersFile>;

/** Reads a reviewer's answers file back into its session (matched by token); answered again, a case is replaced. */
export function importAnswersFile(db: Db, path: string): { session: number; reviewer: string; answers: number } {
  let parsed: z.output<typeof answersFile>;
  try {
    parsed = answersFile.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new ReviewError(`${path} is not a review answers file: ${(err as Error).message.split('\n')[0]}`);
  }
  const repo = new ReviewRepository(db);
  const session = repo.session(parsed.token);
  if (!session) throw new ReviewError(`${path}: its session (${parsed.token}) is not in this store.`);
  const positions = new Set(repo.cases(session.id).map((c) => c.position));
  for (const a of parsed.answers) if (!positions.has(a.position)) throw new ReviewError(`${path}: there is no case ${a.position} in the session.`);
  repo.answer(session.id, parsed.answers.map((a) => ({ ...a, reviewer: parsed.reviewer })));
  return { session: session.id, reviewer: parsed.reviewer, answers: parsed.answers.length };
}
