// Detection benchmark of the nested drift windows, in simulated time through
// the engine (OTLP-shaped exports of the SDK's exponential histograms, the
// engine's defaults: a 1 h window of 1 min slots judged with 1 m and 10 m
// windows, a false-alert budget of one per feature-year), against the seed's
// own detector (KS on fixed 1,000-sample windows, D >= 0.15) on the same raw
// values. Exports and evaluations every 10 s.
//
// For each rate (1, 10, 100, 1000 predictions/s) and scenario (steps of 0.3,
// 0.5 and 1.0 sd, the spread x 1.5, a 0.5 sd ramp over 6 h), after a full hour
// of stationary data: the delay to `warning`, which window decided, and the
// seed's delay. Then false alerts per day on stationary streams.
//
// Prints a table and writes bench/results/detection.json at the repository root.
// Run: npm run bench:detection -w @modelwatch/aggregator  (--stationary-hours N, default 24 at <= 100/s and 2 at 1000/s)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine, engineConfig } from '../src/engine/index.js';
import { exportRequest, normal, reference, rng, SeedKs, T0 } from './simulate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const S = 1000;
const EXPORT_MS = 10 * S;
const HOUR = 3_600_000;

interface Scenario {
  name: string;
  shiftSd: number;
  /** Mean and sd of x at `t` ms after the change starts. */
  at: (t: number) => { mean: number; sd: number };
  /** How long to wait for a detection. */
  maxMs: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'step', shiftSd: 0.3, at: () => ({ mean: 106, sd: 20 }), maxMs: 2 * HOUR },
  { name: 'step', shiftSd: 0.5, at: () => ({ mean: 110, sd: 20 }), maxMs: 2 * HOUR },
  { name: 'step', shiftSd: 1.0, at: () => ({ mean: 120, sd: 20 }), maxMs: 2 * HOUR },
  { name: 'spread x1.5', shiftSd: 0, at: () => ({ mean: 100, sd: 30 }), maxMs: 2 * HOUR },
  { name: 'ramp 0.5 sd / 6 h', shiftSd: 0.5, at: (t) => ({ mean: 100 + 10 * Math.min(1, t / (6 * HOUR)), sd: 20 }), maxMs: 8 * HOUR },
];

interface Run {
  engine: Engine;
  seed: SeedKs;
  r: () => number;
  perExport: number;
}

function start(rate: number, seed: number): Run {
  const ref = reference(seed);
  const engine = new Engine(engineConfig({
    defaults: { evaluationInterval: EXPORT_MS },
    models: [{ name: 'm', task: 'classification', features: { x: 'numeric' }, slos: [], baseline: { ...ref.baseline, prediction: {} } }],
  }));
  return { engine, seed: new SeedKs(ref.xs), r: rng(seed * 104729 + rate), perExport: (rate * EXPORT_MS) / S };
}

/** One export and one evaluation at `t`; returns the feature's verdict and the seed's. */
function step(run: Run, t: number, mean: number, sd: number): { severity: string; window: string | null; seed: string } {
  const xs = Array.from({ length: run.perExport }, () => mean + sd * normal(run.r));
  run.engine.ingestMetrics(exportRequest(t, xs, [], EXPORT_MS), t);
  run.engine.evaluate(t);
  const f = run.engine.driftReport('m')?.features.find((x) => x.name === 'x');
  return { severity: f?.severity ?? 'insufficient_data', window: f?.decidingWindow ?? null, seed: run.seed.add(xs) };
}

const HIGH = new Set(['warning', 'critical']);

function detect(rate: number, sc: Scenario, seed: number): { delaySeconds: number | null; decidingWindow: string | null; seedDelaySeconds: number | null; falseBefore: number } {
  const run = start(rate, seed);
  let t = T0;
  let falseBefore = 0;
  // A full hour (the longest window) of stationary data first.
  for (let i = 0; i < HOUR / EXPORT_MS; i++) if (HIGH.has(step(run, (t += EXPORT_MS), 100, 20).severity)) falseBefore++;
  const from = t;
  let ours: { s: number; w: string | null } | null = null;
  let seedAt: number | null = null;
  while (t - from < sc.maxMs && (ours === null || seedAt === null)) {
    const { mean, sd } = sc.at(t + EXPORT_MS - from);
    const res = step(run, (t += EXPORT_MS), mean, sd);
    if (ours === null && HIGH.has(res.severity)) ours = { s: (t - from) / S, w: res.window };
    if (seedAt === null && (res.seed === 'warning' || res.seed === 'critical')) seedAt = (t - from) / S;
  }
  return { delaySeconds: ours?.s ?? null, decidingWindow: ours?.w ?? null, seedDelaySeconds: seedAt, falseBefore };
}

function stationary(rate: number, hours: number, seed: number): { ours: number; seed: number } {
  const run = start(rate, seed);
  let t = T0;
  let ours = 0;
  let seedAlerts = 0;
  let wasHigh = false;
  for (let i = 0; i < (hours * HOUR) / EXPORT_MS; i++) {
    const res = step(run, (t += EXPORT_MS), 100, 20);
    // An alert is a transition into warning or worse.
    const high = HIGH.has(res.severity);
    if (high && !wasHigh) ours++;
    wasHigh = high;
    if (res.seed === 'warning' || res.seed === 'critical') seedAlerts++;
  }
  return { ours: (ours * 24) / hours, seed: (seedAlerts * 24) / hours };
}

function main(): void {
  const { values } = parseArgs({ options: { 'stationary-hours': { type: 'string' }, rates: { type: 'string', default: '1,10,100,1000' } } });
  const rates = values.rates.split(',').map(Number);
  const started = performance.now();
  const rows: Array<Record<string, unknown>> = [];
  const stationaryRows: Array<Record<string, unknown>> = [];
  for (const rate of rates) {
    const hours = values['stationary-hours'] !== undefined ? Number(values['stationary-hours']) : rate >= 1000 ? 2 : 24;
    const fa = stationary(rate, hours, 7);
    stationaryRows.push({ rate, hours, falseAlertsPerDay: fa.ours, seedFalseAlertsPerDay: fa.seed });
    for (const sc of SCENARIOS) {
      const d = detect(rate, sc, 11);
      const row = { rate, scenario: sc.name, shiftSd: sc.shiftSd, delaySeconds: d.delaySeconds, decidingWindow: d.decidingWindow, seedDelaySeconds: d.seedDelaySeconds, falseAlertsPerDay: fa.ours, seedFalseAlertsPerDay: fa.seed };
      rows.push(row);
      console.log(`${String(rate).padStart(5)}/s  ${`${sc.name} ${sc.shiftSd || ''}`.padEnd(22)} ours ${String(d.delaySeconds ?? '-').padStart(6)} s (${d.decidingWindow ?? '-'})   seed ${String(d.seedDelaySeconds ?? '-').padStart(6)} s`);
    }
    console.log(`${String(rate).padStart(5)}/s  stationary ${hours} h: ${fa.ours} false alerts/day (seed ${fa.seed})`);
  }
  const result = {
    exportIntervalSeconds: EXPORT_MS / S,
    evaluationIntervalSeconds: EXPORT_MS / S,
    windows: ['1m', '10m', '1h'],
    slotSeconds: 60,
    falseAlertBudget: 'one per feature per 365 days',
    path: 'OTLP-shaped exports into the engine (Engine.ingestMetrics), not through the SDK and the receiver',
    rows,
    stationary: stationaryRows,
    seconds: (performance.now() - started) / 1000,
    node: process.version,
    date: new Date().toISOString(),
  };
  const out = join(ROOT, 'bench', 'results', 'detection.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main();
