import type { Db } from '../store/database.js';
import { ReviewRepository } from '../store/repositories/reviewRepository.js';
import { ReviewError } from './session.js';
import { binomialTwoSided, fleissKappa } from './stats.js';

export interface ReviewerScore {
  reviewer: string;
  answered: number;
  correct: number;
  accuracy: number;
  /** Synthetic cases called synthetic. */
  sensitivity: number;
  /** Real cases called real. */
  specificity: number;
  /** Exact two-sided binomial test of the correct answers against chance (50%). */
  pValue: number;
}

export interface ReviewResults {
  session: { id: number; token: string; cases: number; real: number; synthetic: number; subgroup: string | null };
  reviewers: ReviewerScore[];
  pooled: ReviewerScore;
  /** Agreement between reviewers on the cases they all answered; null with fewer than two reviewers. */
  fleissKappa: number | null;
  flaggedFeatures: { feature: string; count: number }[];
}

function score(reviewer: string, answers: { answer: string; truth: string }[]): ReviewerScore {
  const correct = answers.filter((a) => a.answer === a.truth).length;
  const syn = answers.filter((a) => a.truth === 'synthetic');
  const real = answers.filter((a) => a.truth === 'real');
  return {
    reviewer,
    answered: answers.length,
    correct,
    accuracy: answers.length ? correct / answers.length : NaN,
    sensitivity: syn.length ? syn.filter((a) => a.answer === 'synthetic').length / syn.length : NaN,
    specificity: real.length ? real.filter((a) => a.answer === 'real').length / real.length : NaN,
    pValue: binomialTwoSided(correct, answers.length),
  };
}

/** How well clinicians told real from synthetic: per reviewer and pooled, agreement, what gave it away. */
export function reviewResults(db: Db, sessionRef: string): ReviewResults {
  const repo = new ReviewRepository(db);
  const session = repo.session(sessionRef);
  if (!session) throw new ReviewError(`No review session "${sessionRef}".`);
  const cases = repo.cases(session.id);
  const truth = new Map(cases.map((c) => [c.position, c.truth]));
  const answers = repo.answers(session.id).map((a) => ({ ...a, truth: truth.get(a.position)! }));
  const reviewers = [...new Set(answers.map((a) => a.reviewer))].sort();
  const perReviewer = reviewers.map((r) => score(r, answers.filter((a) => a.reviewer === r)));
  // Fleiss' kappa over the cases every reviewer answered.
  let kappa: number | null = null;
  if (reviewers.length >= 2) {
    const complete = cases.filter((c) => reviewers.every((r) => answers.some((a) => a.reviewer === r && a.position === c.position)));
    const ratings = complete.map((c) => {
      const forCase = answers.filter((a) => a.position === c.position);
      return [forCase.filter((a) => a.answer === 'real').length, forCase.filter((a) => a.answer === 'synthetic').length];
    });
    kappa = ratings.length ? fleissKappa(ratings) : null;
  }
  const flags = new Map<string, number>();
  for (const a of answers) for (const f of a.flags) flags.set(f, (flags.get(f) ?? 0) + 1);
  return {
    session: { id: session.id, token: session.token, cases: cases.length, real: cases.filter((c) => c.truth === 'real').length, synthetic: cases.filter((c) => c.truth === 'synthetic').length, subgroup: session.subgroup },
    reviewers: perReviewer,
    pooled: score('all reviewers', answers),
    fleissKappa: kappa,
    flaggedFeatures: [...flags.entries()].map(([feature, count]) => ({ feature, count })).sort((a, b) => b.count - a.count || a.feature.localeCompare(b.feature)),
  };
}
