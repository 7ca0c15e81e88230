import { fork } from 'node:child_process';
import { join } from 'node:path';
import { checkMessage, trainingMessage } from '../common/workerProtocol.js';
import type { StartInfo } from '../training/engine.js';
import type { TrainCommand, TrainMessage } from '../training/trainWorker.js';
import { num } from '../common/format.js';
import type { Out } from './output.js';
import { duration, progressLine, stoppingRuleText } from './print/training.js';
import { stepsOf } from '../training/config.js';
import { guaranteeText, privateFamilyText } from '../training/runFacts.js';

const WORKER = join(import.meta.dirname, '..', 'training', 'trainWorker.ts');

/**
 * Runs training in a child process (the CLI's counterpart of the app's utility
 * process) and prints its progress. Ctrl-C asks it to stop after a checkpoint.
 */
export function trainInChildProcess(command: Exclude<TrainCommand, { type: 'cancel' }>, out: Out, json: boolean): Promise<number> {
  const tsx = import.meta.resolve('tsx');
  // The process takes seconds to load TensorFlow.js before it can say anything: say so first.
  process.stderr.write(`loading: starting the training process${command.type === 'resume' ? ` for run ${command.runId}` : ''} ...\n`);
  const child = fork(WORKER, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  let runId: number | undefined;
  const cancel = () => {
    process.stderr.write('\nstopping after a checkpoint ...\n');
    child.send({ type: 'cancel' } satisfies TrainCommand);
  };
  process.once('SIGINT', cancel);
  return new Promise((resolve) => {
    let finished = false;
    let failed = false;
    child.on('message', (raw) => {
      // Checked against the protocol; the start and end reports carry the training domain's fuller types.
      const m = checkMessage('training process', trainingMessage, raw) as TrainMessage | undefined;
      if (m?.type === 'started') {
        runId = m.info.runId;
        if (!json) printStart(out, m.info);
      } else if (m?.type === 'progress') {
        const p = m.progress;
        const line = progressLine(p);
        const now = Date.now();
        if (tty) process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 120) - 1).padEnd((process.stderr.columns ?? 120) - 1)}`);
        else if (p.phase === 'loading' || now - lastLine > 5000 || p.step === p.totalSteps) {
          process.stderr.write(`${line}\n`);
          lastLine = now;
        }
      } else if (m?.type === 'done') {
        finished = true;
        if (tty) process.stderr.write('\n');
        const r = m.result;
        if (json) out(JSON.stringify(r, null, 2));
        else if (r.status === 'completed') {
          const kept = r.bestStep && r.bestStep !== r.steps ? `; it keeps the weights of step ${num(r.bestStep)}, its best validation loss` : '';
          const why = r.stoppedBy === 'validation' ? ` (its validation loss stopped improving${kept})` : kept ? ` (the step budget${kept})` : '';
          out(`Run ${r.runId} completed: ${num(r.steps)} steps${why} in ${duration(r.seconds)} on ${r.backend.name}. Generate with: synthehr generate ${r.runId} --patients N`);
        }
        else out(`Run ${r.runId} stopped at step ${num(r.steps)} (checkpoint saved). Resume with: synthehr train --resume ${r.runId}`);
      } else if (m?.type === 'failed') {
        finished = true;
        failed = true;
        process.stderr.write(`${tty ? '\n' : ''}synthehr: training failed: ${m.error.message}\n`);
      }
    });
    child.on('exit', (code, signal) => {
      process.removeListener('SIGINT', cancel);
      if (!finished) {
        process.stderr.write(`\nsynthehr: the training process stopped (${signal ?? `exit code ${code}`}).${runId ? ` Resume from its last checkpoint with: synthehr train --resume ${runId}` : ''}\n`);
        resolve(1);
        return;
      }
      resolve(code === 0 && !failed ? 0 : 1);
    });
    child.send(command);
  });
}

function printStart(out: Out, info: StartInfo): void {
  out(`Run ${info.runId}: ${info.config.family} on ${num(info.trainPatients)} training patients${info.resumedFrom ? `, resuming from step ${num(info.resumedFrom)}` : ''}`);
  out(`Backend: ${info.backend.name} (${info.backend.device}); ${info.backend.reason}`);
  out(`Config: ${Object.entries(info.config).filter(([k]) => k !== 'family' && k !== 'stopping' && k !== 'privacy' && k !== 'warmStart').map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const dp = info.config.privacy;
  if (dp) {
    out(
      `Differential privacy: epsilon ${dp.epsilon} at delta ${dp.delta} over ${num(dp.steps)} steps; each patient in a step's batch with probability ${dp.sampleRate.toPrecision(3)}, ` +
        `its gradient clipped to ${dp.clip}, noise ${dp.sigma.toPrecision(4)} x that. ${guaranteeText(dp)}${info.config.family === 'timegan' ? ` ${privateFamilyText('timegan')}` : ''}`,
    );
  }
  const warm = info.config.warmStart;
  if (warm) {
    out(`Starting from run ${warm.from} (cohort ${warm.cohort}, its weights at step ${num(warm.step)}): ${warm.table[0]}`);
    for (const line of warm.table.slice(1)) out(line);
  }
  if (info.config.stopping) out(`Stopping: ${stoppingRuleText(info.config.stopping, info.trainPatients)}; at most ${num(stepsOf(info.config))} steps`);
}
