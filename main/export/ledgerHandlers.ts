import type { Implementation } from '../../preload/contract.js';
import type { Db } from '../store/database.js';
import { compositionLine, planRelease, setBudget, type Ledger } from './ledger.js';

/** The privacy ledger's slice of the contract, answered from the store: read by a synthetic set, for its real dataset. */
export function ledgerHandlers(db: Db) {
  return {
    plannedRelease: (set) => {
      const p = planRelease(db, set);
      return { ledger: ledgerView(p.ledger), runId: p.runId, epsilon: p.epsilon, delta: p.delta, modelReleasedBefore: p.modelReleasedBefore, after: { ...p.after, line: compositionLine(p.after) }, withinBudget: p.withinBudget };
    },
    setPrivacyBudget: (set, epsilon) => ledgerView(setBudget(db, planRelease(db, set).ledger.sourceDataset, epsilon)),
  } satisfies Partial<Implementation>;
}

function ledgerView(l: Ledger) {
  return {
    sourceDataset: l.sourceDataset,
    budget: l.budget,
    models: l.models,
    epsilon: l.epsilon,
    delta: l.delta,
    unbounded: l.unbounded,
    line: compositionLine(l),
    releases: l.releases.map((r) => ({ id: r.id, runId: r.runId, syntheticSet: r.syntheticSet, epsilon: r.epsilon, delta: r.delta, budgetEpsilon: r.budgetEpsilon, overBudgetReason: r.overBudgetReason, releasedAt: r.releasedAt })),
  };
}
