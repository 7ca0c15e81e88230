import type { Db } from '../database.js';

export interface RunRow {
  id: number;
  cohortId: number;
  family: 'timegan' | 'vae';
  configJson: string;
  seed: number;
  backend: string;
  device: string;
  backendReason: string;
  status: 'running' | 'cancelled' | 'completed' | 'failed';
  step: number;
  totalSteps: number;
  pid: number | null;
  error: string | null;
  /** Why a finished run ended: its step budget, or its validation loss no longer improving (null: a fixed schedule from before, or not finished). */
  stoppedBy: 'budget' | 'validation' | null;
  /** The step whose weights a run stopping on a validation loss kept, and that loss. */
  bestStep: number | null;
  bestValidationLoss: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface CheckpointRow {
  step: number;
  weights: Buffer;
  optimizers: Buffer;
  rngJson: string;
  /** The weights of the lowest validation loss so far (runs stopping on one). */
  bestWeights: Buffer | null;
}

const RUN = `id, cohort_id AS cohortId, family, config_json AS configJson, seed, backend, device, backend_reason AS backendReason,
  status, step, total_steps AS totalSteps, pid, error, stopped_by AS stoppedBy, best_step AS bestStep, best_validation_loss AS bestValidationLoss,
  created_at AS createdAt, updated_at AS updatedAt`;

/** Training runs, their losses and checkpoints. */
export class TrainingRepository {
  constructor(private readonly db: Db) {}

  createRun(r: Omit<RunRow, 'id' | 'step' | 'error' | 'createdAt' | 'updatedAt' | 'status' | 'stoppedBy' | 'bestStep' | 'bestValidationLoss'>): number {
    const now = new Date().toISOString();
    return Number(
      this.db
        .prepare(
          `INSERT INTO training_runs (cohort_id, family, config_json, seed, backend, device, backend_reason, status, total_steps, pid, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
        )
        .run(r.cohortId, r.family, r.configJson, r.seed, r.backend, r.device, r.backendReason, r.totalSteps, r.pid, now, now).lastInsertRowid,
    );
  }

  run(id: number): RunRow | undefined {
    return this.db.prepare(`SELECT ${RUN} FROM training_runs WHERE id = ?`).get(id) as RunRow | undefined;
  }

  runs(): RunRow[] {
    return this.db.prepare(`SELECT ${RUN} FROM training_runs ORDER BY id`).all() as RunRow[];
  }

  /** Marks a run as running again in this process, on this backend (resume). */
  resumeRun(id: number, pid: number, backend: { name: string; device: string; reason: string }): void {
    this.db
      .prepare(`UPDATE training_runs SET status = 'running', pid = ?, backend = ?, device = ?, backend_reason = ?, error = NULL, updated_at = ? WHERE id = ?`)
      .run(pid, backend.name, backend.device, backend.reason, new Date().toISOString(), id);
  }

  /** Replaces a run's stored configuration (a warm start records what it carried over once it has). */
  setConfig(id: number, configJson: string): void {
    this.db.prepare('UPDATE training_runs SET config_json = ?, updated_at = ? WHERE id = ?').run(configJson, new Date().toISOString(), id);
  }

  setStatus(id: number, status: RunRow['status'], error: string | null = null): void {
    this.db.prepare('UPDATE training_runs SET status = ?, error = ?, pid = NULL, updated_at = ? WHERE id = ?').run(status, error, new Date().toISOString(), id);
  }

  /** Marks a run completed, with why it stopped and the weights it kept. */
  complete(id: number, stop: { stoppedBy: 'budget' | 'validation' | null; bestStep: number | null; bestValidationLoss: number | null }): void {
    this.db
      .prepare(`UPDATE training_runs SET status = 'completed', error = NULL, pid = NULL, stopped_by = ?, best_step = ?, best_validation_loss = ?, updated_at = ? WHERE id = ?`)
      .run(stop.stoppedBy, stop.bestStep, stop.bestValidationLoss, new Date().toISOString(), id);
  }

  /** Losses of steps since the last save, and (optionally) a checkpoint, in one transaction. */
  save(runId: number, step: number, losses: { step: number; phase: string; losses: Record<string, number>; ms: number }[], checkpoint?: Omit<CheckpointRow, 'step'>, keep = 2): void {
    this.db.transaction(() => {
      const insert = this.db.prepare('INSERT OR REPLACE INTO training_losses VALUES (?, ?, ?, ?, ?)');
      for (const l of losses) insert.run(runId, l.step, l.phase, JSON.stringify(l.losses), l.ms);
      if (checkpoint) {
        this.db
          .prepare('INSERT OR REPLACE INTO checkpoints (run_id, step, weights, optimizers, rng_json, best_weights, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(runId, step, checkpoint.weights, checkpoint.optimizers, checkpoint.rngJson, checkpoint.bestWeights, new Date().toISOString());
        this.db
          .prepare('DELETE FROM checkpoints WHERE run_id = ? AND step NOT IN (SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT ?)')
          .run(runId, runId, keep);
        // Losses after the newest checkpoint are replayed on resume; only what a checkpoint covers counts as done.
        this.db.prepare('UPDATE training_runs SET step = ?, updated_at = ? WHERE id = ?').run(step, new Date().toISOString(), runId);
      }
    }).immediate();
  }

  latestCheckpoint(runId: number): CheckpointRow | undefined {
    return this.db
      .prepare('SELECT step, weights, optimizers, rng_json AS rngJson, best_weights AS bestWeights FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1')
      .get(runId) as CheckpointRow | undefined;
  }

  losses(runId: number): { step: number; phase: string; losses: Record<string, number>; ms: number }[] {
    return (
      this.db.prepare('SELECT step, phase, losses_json AS lossesJson, ms FROM training_losses WHERE run_id = ? ORDER BY step').all(runId) as {
        step: number;
        phase: string;
        lossesJson: string;
        ms: number;
      }[]
    ).map((r) => ({ step: r.step, phase: r.phase, losses: JSON.parse(r.lossesJson) as Record<string, number>, ms: r.ms }));
  }

  /** Drops losses recorded after a step (work lost with a crash, redone on resume). */
  truncateLosses(runId: number, afterStep: number): void {
    this.db.prepare('DELETE FROM training_losses WHERE run_id = ? AND step > ?').run(runId, afterStep);
  }
}
