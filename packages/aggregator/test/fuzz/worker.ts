// The fuzz worker: runs the plan's targets case by case, writing a heartbeat
// (which case, since when) for the watching thread, and posting its counts
// about twice a second so a stopped worker loses nothing.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { rng } from './mutate.js';
import { crashText, targetByName, type Outcome } from './targets.js';
import { addCase, caseSeed, emptyReport, type WorkerMessage, type WorkerPlan } from './runner.js';

const plan = workerData as WorkerPlan;
// Mutated YAML makes the yaml package warn (unresolved tags, odd keys) thousands of times; the outcome is what counts.
process.emitWarning = () => {};
const hb = new Float64Array(plan.heartbeat);
const post = (m: WorkerMessage): void => parentPort?.postMessage(m);
const heap = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

for (const [s, step] of plan.steps.entries()) {
  hb[0] = s;
  hb[1] = -1;
  hb[2] = Date.now();
  const target = targetByName(step.target);
  hb[3] = target.caseTimeoutMs ?? 0;
  const instance = await target.setup({ dir: join(plan.dir, step.target.replace(/\W+/g, '-')), seed: plan.seed });
  const skip = new Set(step.skip);
  const report = emptyReport(step.target, target.kind);
  const started = performance.now();
  const base = heap();
  let lastPost = Date.now();
  for (let i = step.from; i < step.cases; i++) {
    if (skip.has(i)) continue;
    const seed = caseSeed(plan.seed, step.target, i);
    hb[1] = i;
    hb[2] = Date.now();
    const before = heap();
    const t0 = performance.now();
    let input: unknown;
    let outcome: Outcome;
    try {
      input = instance.input(rng(seed), i);
      outcome = await instance.run(input);
    } catch (e) {
      outcome = { kind: 'crash', error: crashText(e) };
    }
    const ms = performance.now() - t0;
    const after = heap();
    addCase(report, { index: i, caseSeed: seed, outcome, ms, caseGrowth: after - before, growth: after - base, show: () => instance.show(input) }, plan.allocLimitBytes);
    if (Date.now() - lastPost >= 500) {
      lastPost = Date.now();
      report.durationMs = performance.now() - started;
      post({ type: 'progress', step: s, next: i + 1, report });
    }
  }
  hb[1] = -2;
  hb[2] = Date.now();
  await instance.close();
  report.durationMs = performance.now() - started;
  post({ type: 'done', step: s, report });
}
