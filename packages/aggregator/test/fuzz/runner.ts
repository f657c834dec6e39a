/**
 * Runs fuzz targets in a worker thread watched from the calling thread: a
 * case that takes longer than its time bound is a hang (the worker is
 * terminated and the run goes on from the next case), a worker that dies
 * (out of memory, say) is a crash of the case it was running, and each case's
 * heap growth is measured (V8 heap plus ArrayBuffers, where a 4 GB length
 * taken at its word would show). Shared by the CI test and bench/fuzz.ts.
 */
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome } from './targets.js';

/** At most this many crash/hang samples are kept per target (the counts are complete). */
const MAX_SAMPLES = 20;

/** A case that went wrong, with what replays it. */
export interface CaseRecord {
  index: number;
  caseSeed: number;
  error: string;
  input?: string;
}

/** What a run found for one target. */
export interface TargetReport {
  target: string;
  kind: 'decoder' | 'transport';
  cases: number;
  accepted: number;
  rejected: number;
  /** Rejections by the class of their message (numbers, paths and quoted values elided). */
  rejectedByClass: Record<string, number>;
  crashes: number;
  crashSamples: CaseRecord[];
  /** Cases past the time bound (the worker was stopped and the run went on). */
  hangs: number;
  hangSamples: CaseRecord[];
  /** Cases whose heap grew past the allocation bound: counted in `crashes` too. */
  allocations: number;
  /** Largest heap (V8 heap + ArrayBuffers) above its level after setup, at any case's end. */
  maxHeapGrowthBytes: number;
  /** Largest growth within a single case. */
  maxCaseHeapGrowthBytes: number;
  slowestCaseMs: number;
  durationMs: number;
}

export function emptyReport(target: string, kind: TargetReport['kind']): TargetReport {
  return {
    target, kind, cases: 0, accepted: 0, rejected: 0, rejectedByClass: {}, crashes: 0, crashSamples: [], hangs: 0, hangSamples: [],
    allocations: 0, maxHeapGrowthBytes: 0, maxCaseHeapGrowthBytes: 0, slowestCaseMs: 0, durationMs: 0,
  };
}

export function mergeReports(a: TargetReport, b: TargetReport): TargetReport {
  const byClass = { ...a.rejectedByClass };
  for (const [k, v] of Object.entries(b.rejectedByClass)) byClass[k] = (byClass[k] ?? 0) + v;
  return {
    target: a.target,
    kind: a.kind,
    cases: a.cases + b.cases,
    accepted: a.accepted + b.accepted,
    rejected: a.rejected + b.rejected,
    rejectedByClass: byClass,
    crashes: a.crashes + b.crashes,
    crashSamples: [...a.crashSamples, ...b.crashSamples].slice(0, MAX_SAMPLES),
    hangs: a.hangs + b.hangs,
    hangSamples: [...a.hangSamples, ...b.hangSamples].slice(0, MAX_SAMPLES),
    allocations: a.allocations + b.allocations,
    maxHeapGrowthBytes: Math.max(a.maxHeapGrowthBytes, b.maxHeapGrowthBytes),
    maxCaseHeapGrowthBytes: Math.max(a.maxCaseHeapGrowthBytes, b.maxCaseHeapGrowthBytes),
    slowestCaseMs: Math.max(a.slowestCaseMs, b.slowestCaseMs),
    durationMs: a.durationMs + b.durationMs,
  };
}

/** The seed of case `index` of `target`: a case replays from (run seed, target, index) alone. */
export function caseSeed(seed: number, target: string, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  return (h ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/** Adds one case's outcome to `report`. */
export function addCase(
  report: TargetReport,
  c: { index: number; caseSeed: number; outcome: Outcome; ms: number; caseGrowth: number; growth: number; show: () => string },
  allocLimitBytes: number,
): void {
  report.cases++;
  report.slowestCaseMs = Math.max(report.slowestCaseMs, c.ms);
  report.maxCaseHeapGrowthBytes = Math.max(report.maxCaseHeapGrowthBytes, c.caseGrowth);
  report.maxHeapGrowthBytes = Math.max(report.maxHeapGrowthBytes, c.growth);
  let outcome = c.outcome;
  if (c.caseGrowth > allocLimitBytes) {
    report.allocations++;
    outcome = { kind: 'crash', error: `unbounded allocation: the heap grew ${(c.caseGrowth / 2 ** 20).toFixed(0)} MiB in one case (${outcome.kind === 'crash' ? outcome.error : outcome.kind})` };
  }
  if (outcome.kind === 'accepted') report.accepted++;
  else if (outcome.kind === 'rejected') {
    report.rejected++;
    report.rejectedByClass[outcome.messageClass] = (report.rejectedByClass[outcome.messageClass] ?? 0) + 1;
  } else {
    report.crashes++;
    if (report.crashSamples.length < MAX_SAMPLES) {
      let input: string;
      try {
        input = c.show();
      } catch {
        input = '(not printable)';
      }
      report.crashSamples.push({ index: c.index, caseSeed: c.caseSeed, error: outcome.error, input });
    }
  }
}

/** One target's share of a worker's work. */
export interface PlanStep {
  target: string;
  /** First case index, and one past the last. */
  from: number;
  cases: number;
  /** Indices not to run again (they hung or killed the worker). */
  skip: number[];
}

/** What a worker is given. */
export interface WorkerPlan {
  steps: PlanStep[];
  seed: number;
  dir: string;
  allocLimitBytes: number;
  /** [step index, case index (-1 in setup, -2 in close), start time of that (Date.now()), the target's own time bound or 0] */
  heartbeat: SharedArrayBuffer;
}

/** Messages from the worker. */
export type WorkerMessage =
  | { type: 'progress'; step: number; next: number; report: TargetReport }
  | { type: 'done'; step: number; report: TargetReport };

/** Options of {@link runFuzz}. */
export interface RunOptions {
  /** Target names, in order. */
  targets: readonly string[];
  /** Cases per target (a number for all, or by name). */
  cases: number | Readonly<Record<string, number>>;
  seed: number;
  /** A case running longer than this is a hang. @default 10000 */
  caseTimeoutMs?: number;
  /** Setting a target up (seeds, servers) may take this long. @default 120000 */
  setupTimeoutMs?: number;
  /** A case growing the heap by more than this is an unbounded allocation. @default 256 MiB */
  allocLimitBytes?: number;
  /** Where the file targets write their inputs. @default a directory under os.tmpdir() */
  dir?: string;
  /** The worker's old-generation limit, so runaway allocation kills the worker, not the run. @default 1024 */
  workerHeapMb?: number;
  /** Called with each target's report as it grows (about twice a second) and when it is done. */
  onProgress?: (report: TargetReport, done: boolean) => void;
}

const WORKER = new URL('./worker.ts', import.meta.url).href;

function startWorker(plan: WorkerPlan, heapMb: number): Worker {
  // Node 20 does not carry --import loaders into workers: the worker registers tsx itself, then loads the TypeScript entry.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER)}); })`;
  return new Worker(boot, { eval: true, workerData: plan, resourceLimits: { maxOldGenerationSizeMb: heapMb }, stdout: false, stderr: false });
}

/**
 * Runs `cases` per target, sequentially, in a watched worker thread. Every
 * case is accounted for: accepted, rejected (by message class), crashed or
 * hung.
 */
export async function runFuzz(opts: RunOptions): Promise<TargetReport[]> {
  const caseTimeoutMs = opts.caseTimeoutMs ?? 10_000;
  const setupTimeoutMs = opts.setupTimeoutMs ?? 120_000;
  const casesOf = (t: string): number => (typeof opts.cases === 'number' ? opts.cases : (opts.cases[t] ?? 0));
  const committed = new Map<string, TargetReport>();
  const kinds = new Map<string, TargetReport['kind']>();
  let pending: PlanStep[] = opts.targets.map((t) => ({ target: t, from: 0, cases: casesOf(t), skip: [] }));
  const heartbeat = new SharedArrayBuffer(4 * 8);
  const hb = new Float64Array(heartbeat);
  const base = (t: string): TargetReport => committed.get(t) ?? emptyReport(t, kinds.get(t) ?? 'decoder');
  const dir = opts.dir ?? join(tmpdir(), `mw-fuzz-${process.pid}`);

  while (pending.length > 0) {
    hb.fill(0);
    hb[1] = -1;
    hb[2] = Date.now();
    const plan: WorkerPlan = { steps: pending, seed: opts.seed, dir, allocLimitBytes: opts.allocLimitBytes ?? 256 * 2 ** 20, heartbeat };
    const worker = startWorker(plan, opts.workerHeapMb ?? 1024);
    /** The last progress of each step in this worker. */
    const live = new Map<number, { next: number; report: TargetReport }>();
    let finished = 0;
    const stop = await new Promise<{ step: number; index: number; why: string } | undefined>((resolve) => {
      let settled = false;
      const settle = (v: { step: number; index: number; why: string } | undefined): void => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        resolve(v);
      };
      worker.on('message', (m: WorkerMessage) => {
        const step = plan.steps[m.step] as PlanStep;
        kinds.set(step.target, m.report.kind);
        if (m.type === 'progress') {
          live.set(m.step, { next: m.next, report: m.report });
          opts.onProgress?.(mergeReports(base(step.target), m.report), false);
        } else {
          live.delete(m.step);
          const merged = mergeReports(base(step.target), m.report);
          committed.set(step.target, merged);
          opts.onProgress?.(merged, true);
          if (++finished === plan.steps.length) settle(undefined);
        }
      });
      worker.on('error', (e) => settle({ step: hb[0] as number, index: hb[1] as number, why: `the worker died: ${e.name}: ${e.message}` }));
      worker.on('exit', () => settle({ step: hb[0] as number, index: hb[1] as number, why: 'the worker exited' }));
      const watch = setInterval(() => {
        const index = hb[1] as number;
        const own = hb[3] as number;
        const limit = index < 0 ? setupTimeoutMs : own > 0 ? Math.min(own, caseTimeoutMs) : caseTimeoutMs;
        if (Date.now() - (hb[2] as number) > limit) settle({ step: hb[0] as number, index, why: index >= 0 ? `no result within ${limit} ms` : `setup took longer than ${setupTimeoutMs} ms` });
      }, 100);
    });
    await worker.terminate();
    if (stop === undefined) break;
    // The worker stopped early: keep what it reported, record the case, and go on after it.
    const stepIndex = Math.max(0, stop.step);
    const step = plan.steps[stepIndex] as PlanStep;
    const got = live.get(stepIndex);
    let report = got === undefined ? base(step.target) : mergeReports(base(step.target), got.report);
    if (stop.index >= 0) {
      const rec = emptyReport(step.target, report.kind);
      rec.cases = 1;
      const sample = { index: stop.index, caseSeed: caseSeed(opts.seed, step.target, stop.index), error: stop.why };
      if (stop.why.startsWith('no result')) {
        rec.hangs = 1;
        rec.hangSamples.push(sample);
      } else {
        rec.crashes = 1;
        rec.crashSamples.push(sample);
      }
      report = mergeReports(report, rec);
      committed.set(step.target, report);
      pending = [{ ...step, from: got?.next ?? step.from, skip: [...step.skip, stop.index] }, ...plan.steps.slice(stepIndex + 1)];
    } else {
      // Setup or close failed: the target cannot run; say so and go on with the others.
      report = mergeReports(report, { ...emptyReport(step.target, report.kind), crashes: 1, crashSamples: [{ index: -1, caseSeed: 0, error: `${stop.why} (in setup or close)` }] });
      committed.set(step.target, report);
      pending = plan.steps.slice(stepIndex + 1);
    }
    opts.onProgress?.(report, false);
  }
  // The inputs the file targets wrote: removed unless the caller chose the directory.
  if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  return opts.targets.map((t) => committed.get(t) ?? emptyReport(t, kinds.get(t) ?? 'decoder'));
}
