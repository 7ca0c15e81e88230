import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { Db } from '../store/database.js';
import { ReviewRepository } from '../store/repositories/reviewRepository.js';
import { ReviewError, type ReviewCase } from './session.js';

/** The file a reviewer on another workstation gets: the cases, no identifiers, no truth. */
export function exportSessionFile(db: Db, sessionRef: string, path: string): { cases: number } {
  const repo = new ReviewRepository(db);
  const session = repo.session(sessionRef);
  if (!session) throw new ReviewError(`No review session "${sessionRef}".`);
  const cases = repo.cases(session.id).map((c) => JSON.parse(c.caseJson) as ReviewCase);
  writeFileSync(
    path,
    JSON.stringify(
      {
        format: 'synthehr-review-session/1',
        token: session.token,
        instructions: 'For each case answer "real" or "synthetic", a confidence from 1 (guess) to 5 (certain), and the features that gave it away. Dates are shifted; identifiers are removed.',
        cases,
      },
      null,
      2,
    ),
  );
  return { cases: cases.length };
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
