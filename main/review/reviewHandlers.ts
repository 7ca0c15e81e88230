import type { Implementation } from '../../preload/contract.js';
import type { Db } from '../store/database.js';
import { ReviewRepository } from '../store/repositories/reviewRepository.js';
import { reviewResults } from './results.js';
import { createReviewSession, type ReviewCase } from './session.js';

/** The review slice of the contract: sessions, cases without the truth, answers and results. */
export function reviewHandlers(db: Db) {
  return {
    createReviewSession: (set, cases, subgroup) => createReviewSession(db, { set, cases, ...(subgroup ? { subgroup } : {}) }),
    listReviewSessions: () => new ReviewRepository(db).list(),
    reviewCases: (session, reviewer) => {
      const repo = new ReviewRepository(db);
      return {
        cases: repo.cases(session).map((c) => JSON.parse(c.caseJson) as ReviewCase),
        answered: repo.answers(session).filter((a) => a.reviewer === reviewer).map((a) => a.position),
      };
    },
    answerReviewCase: (session, reviewer, position, answer, confidence, flags) => {
      const repo = new ReviewRepository(db);
      repo.answer(session, [{ position, reviewer, answer, confidence, flags }]);
      return { answered: repo.answers(session).filter((a) => a.reviewer === reviewer).length, total: repo.cases(session).length };
    },
    reviewResults: (session) => {
      const r = reviewResults(db, String(session));
      const finite = (s: typeof r.pooled) => ({
        ...s,
        accuracy: Number.isFinite(s.accuracy) ? s.accuracy : null,
        sensitivity: Number.isFinite(s.sensitivity) ? s.sensitivity : null,
        specificity: Number.isFinite(s.specificity) ? s.specificity : null,
      });
      return { ...r, reviewers: r.reviewers.map(finite), pooled: finite(r.pooled) };
    },
  } satisfies Partial<Implementation>;
}
