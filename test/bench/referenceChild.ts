// Times the reference step (main/models/referenceStep.ts) on one backend, in its own process.
import { referenceStep } from '../../main/models/referenceStep.js';
import { selectBackend, type BackendName } from '../../main/training/backend.js';

const [name, stepsArg] = process.argv.slice(2) as [BackendName, string];
let choice;
try {
  choice = await selectBackend(name);
} catch (err) {
  process.stdout.write(JSON.stringify({ unavailable: (err as Error).message.replace(/^Backend "[^"]+" is not available: /, '') }));
  process.exit(0);
}
const r = referenceStep();
const steps = Number(stepsArg);
r.step(); // warm-up: kernels compiled, optimizer slots made
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  r.step();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ backend: choice.name, device: choice.device, median: times[Math.floor(times.length / 2)], best: times[0], maxRssKiB: process.resourceUsage().maxRSS }));
