// Detection benchmark of the nested drift windows, in simulated time through
// the engine (OTLP-shaped exports of the SDK's exponential histograms, the
// engine's defaults: a 1 h window of 1 min slots with 10 s fine slots for
// recent data, judged with 10 s, 1 m and 10 m windows, a false-alert budget of
// one per feature-year), against the seed's own detector (KS on fixed
// 1,000-sample windows, D >= 0.15) on the same raw values. Exports and
// evaluations every 10 s.
//
// For each rate (1, 10, 100, 1000 predictions/s) and scenario (steps of 0.3,
// 0.5 and 1.0 sd, the spread x 1.5, a 0.5 sd ramp over 6 h), after a full hour
// of stationary data: the delay to `warning`, which window decided, and the
// seed's delay, and the true KS distance of the population each detector
// judged when it fired (`trueKsAtDelay`, `seedTrueKsAtDelay`: what the effect
// really was, against the observed D). Then false alerts per day on stationary
// streams. The scenarios start on a slot boundary; `stepByPhase` starts the
// 0.5 and 1 sd steps at each 10 s of the minute instead: without fine slots
// (windows 1m, 10m), with them (1m, 10m), and with the default windows (10s,
// 1m, 10m). `rampBySeed` repeats the ramp at 100/s on several seeds.
//
// Memory per stream, before and after fine slots: 2,000 feature streams (100
// models x 20 features) with a baseline each, fed 75 minutes of N(100, 20) at
// 10 values/s exported every 10 s, evaluated every minute; the resident bytes
// (V8 heap + array buffers, after a full collection) over 2,000, measured in a
// child process per layout. "Before" is today's layout (fine slots off:
// `fineSlot` = `slot`) with the model's window alone; "after" has the default
// 10 s fine slots and the default windows (10s, 1m, 10m, 1h).
//
// Prints a table and writes bench/results/detection.json at the repository root.
// Run: npm run bench:detection -w @modelwatch/aggregator
//   --stationary-hours N   default 24 at <= 100/s and 2 at 1000/s
//   --rates 1,10           a subset of the rates (the file is written only for the full set, unless --out is given)
//   --memory-only          only the memory figures
//   --phases-only          only the steps by phase of the minute (stepByPhase), printed
//   --out PATH             write the results there instead
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ExponentialHistogram, type ExpHistogramData } from '@modelwatch/stats';
import { BASELINE_FORMAT, Engine, engineConfig, type Baseline, type EngineConfig, type EngineDefaults } from '../src/engine/index.js';
import { ALERT_CATALOGUE } from '@modelwatch/semconv';
import { parseDuration } from '../src/config/duration.js';
import { BucketSampler, SdkFeatureExporter, exportRequest, featureMetric, modelRequest, normal, reference, rng, SeedKs, T0, trueKs } from './simulate.js';
import { driftWindowSpecs } from '../src/engine/drift-windows.js';
import { resolveSettings } from '../src/engine/config.js';

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
  config: EngineConfig;
  seed: SeedKs;
  r: () => number;
  perExport: number;
}

function start(rate: number, seed: number, defaults: Partial<EngineDefaults> = {}): Run {
  const ref = reference(seed);
  const config = engineConfig({
    defaults: { evaluationInterval: EXPORT_MS, ...defaults },
    models: [{ name: 'm', task: 'classification', features: { x: 'numeric' }, slos: [], baseline: { ...ref.baseline, prediction: {} } }],
  });
  const engine = new Engine(config);
  return { engine, config, seed: new SeedKs(ref.xs), r: rng(seed * 104729 + rate), perExport: (rate * EXPORT_MS) / S };
}

/** One export and one evaluation at `t`; returns the feature's verdict (with the deciding window's length and D) and the seed's (with its D). */
function step(run: Run, t: number, mean: number, sd: number): { severity: string; window: string | null; seconds: number; d: number | null; seed: string; seedD: number } {
  const xs = Array.from({ length: run.perExport }, () => mean + sd * normal(run.r));
  run.engine.ingestMetrics(exportRequest(t, xs, [], EXPORT_MS), t);
  run.engine.evaluate(t);
  const seed = run.seed.add(xs);
  return { ...verdictOf(run.engine), seed, seedD: run.seed.lastD };
}

/** Feature x's verdict: its severity, the deciding window (its length and D). */
function verdictOf(engine: Engine): { severity: string; window: string | null; seconds: number; d: number | null } {
  const f = engine.driftReport('m')?.features.find((x) => x.name === 'x');
  const w = f?.windows?.find((v) => v.window === f.decidingWindow);
  return { severity: f?.severity ?? 'insufficient_data', window: f?.decidingWindow ?? null, seconds: w?.seconds ?? 0, d: w?.ks?.statistic ?? null };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * The true KS distance of what a window of `seconds` ending `t` ms after the
 * change held: the mixture of the populations of its exports (stationary
 * before the change).
 */
function windowTrueKs(sc: Scenario, t: number, seconds: number): number {
  const parts = [];
  for (let u = t; u > t - Math.max(seconds * S, EXPORT_MS); u -= EXPORT_MS) parts.push(u > 0 ? sc.at(u) : { mean: 100, sd: 20 });
  return round3(trueKs(parts));
}

/** {@link step} without the seed's detector. */
function engineStep(run: Run, t: number, mean: number, sd: number): { severity: string; window: string | null } {
  const xs = Array.from({ length: run.perExport }, () => mean + sd * normal(run.r));
  run.engine.ingestMetrics(exportRequest(t, xs, [], EXPORT_MS), t);
  run.engine.evaluate(t);
  const { severity, window } = verdictOf(run.engine);
  return { severity, window };
}

const HIGH = new Set(['warning', 'critical']);

/** Seeds of the repeated ramp at 100/s (`rampBySeed`). */
const RAMP_SEEDS = [11, 12, 13, 14, 15, 16];

/** The shipped `for` of DataDriftDetected (warning), read from the alert catalogue. */
const DRIFT_FOR_MS = parseDuration((ALERT_CATALOGUE.find((r) => r.id === 'DataDriftDetected:warning') as { for: string }).for);

interface Detection {
  delaySeconds: number | null;
  /** When DataDriftDetected fires with its shipped `for`: the verdict has stayed warning or worse for that long (Prometheus's `for`, evaluated every 10 s). */
  delayWithDefaultForSeconds: number | null;
  decidingWindow: string | null;
  /** The true KS distance of the deciding window's content when ours fired, and the D it observed (a lower bound from the buckets). */
  trueKsAtDelay: number | null;
  observedKsAtDelay: number | null;
  seedDelaySeconds: number | null;
  /** The true KS distance of what the seed's firing window held (its last 1,000 values), and the D it observed. */
  seedTrueKsAtDelay: number | null;
  seedObservedKsAtDelay: number | null;
  falseBefore: number;
}

function detect(rate: number, sc: Scenario, seed: number): Detection {
  const run = start(rate, seed);
  let t = T0;
  let falseBefore = 0;
  // A full hour (the longest window) of stationary data first.
  for (let i = 0; i < HOUR / EXPORT_MS; i++) if (HIGH.has(step(run, (t += EXPORT_MS), 100, 20).severity)) falseBefore++;
  const from = t;
  let ours: { s: number; w: string | null; trueD: number; d: number | null } | null = null;
  let seedAt: { s: number; trueD: number; d: number } | null = null;
  let highSince: number | null = null;
  let fired: number | null = null;
  while (t - from < sc.maxMs && (ours === null || seedAt === null || fired === null)) {
    const { mean, sd } = sc.at(t + EXPORT_MS - from);
    const res = step(run, (t += EXPORT_MS), mean, sd);
    const high = HIGH.has(res.severity);
    highSince = high ? (highSince ?? t) : null;
    if (fired === null && highSince !== null && t - highSince >= DRIFT_FOR_MS) fired = (t - from) / S;
    if (ours === null && high) ours = { s: (t - from) / S, w: res.window, trueD: windowTrueKs(sc, t - from, res.seconds), d: res.d };
    // The seed's window is its last 1,000 values: 1,000 s of them at 1/s, one export or less from 100/s.
    if (seedAt === null && (res.seed === 'warning' || res.seed === 'critical')) seedAt = { s: (t - from) / S, trueD: windowTrueKs(sc, t - from, 1000 / rate), d: res.seedD };
  }
  return {
    delaySeconds: ours?.s ?? null,
    delayWithDefaultForSeconds: fired,
    decidingWindow: ours?.w ?? null,
    trueKsAtDelay: ours?.trueD ?? null,
    observedKsAtDelay: ours?.d != null ? round3(ours.d) : null,
    seedDelaySeconds: seedAt?.s ?? null,
    seedTrueKsAtDelay: seedAt?.trueD ?? null,
    seedObservedKsAtDelay: seedAt ? round3(seedAt.d) : null,
    falseBefore,
  };
}

/** The layouts the phase sweep compares, on the same data. */
const PHASE_LAYOUTS: Layout[] = [
  { name: 'before: no fine slots, windows 1m/10m', defaults: { fineSlot: 60 * S, driftWindows: [60 * S, 600 * S] } },
  { name: 'fine slots, windows 1m/10m', defaults: { driftWindows: [60 * S, 600 * S] } },
  { name: 'after: fine slots, default windows 10s/1m/10m', defaults: {} },
];

/**
 * Step shifts starting at each phase of the minute (0, 10, ..., 50 s after a
 * slot boundary; the scenarios above start on one), for each layout, on the
 * same data: one hour of stationary data, then the phase's stationary
 * exports, then the shift. The delay to warning, by phase.
 */
function phaseSweep(rate: number, shiftSd: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const layout of PHASE_LAYOUTS) {
    const delays: Array<number | null> = [];
    const windows: Array<string | null> = [];
    // One stationary hour, then each phase from a snapshot of it (the seed's detector is not run here).
    const run = start(rate, 11, layout.defaults);
    let t0 = T0;
    for (let i = 0; i < HOUR / EXPORT_MS; i++) engineStep(run, (t0 += EXPORT_MS), 100, 20);
    const snapshot = run.engine.snapshot();
    for (let phase = 0; phase < 60 * S; phase += EXPORT_MS) {
      run.engine = Engine.restore(run.config, snapshot);
      let t = t0;
      // The data after the hour depends on the phase only, not on the layout.
      run.r = rng(1000 + phase / S + 100 * shiftSd);
      for (let i = 0; i < phase / EXPORT_MS; i++) engineStep(run, (t += EXPORT_MS), 100, 20);
      const from = t;
      let found: { s: number; w: string | null } | null = null;
      while (found === null && t - from < 2 * HOUR) {
        const res = engineStep(run, (t += EXPORT_MS), 100 + 20 * shiftSd, 20);
        if (HIGH.has(res.severity)) found = { s: (t - from) / S, w: res.window };
      }
      delays.push(found?.s ?? null);
      windows.push(found?.w ?? null);
    }
    const known = delays.filter((d): d is number => d !== null);
    const row = {
      rate,
      shiftSd,
      layout: layout.name,
      delaySecondsByPhase: delays,
      decidingWindowByPhase: windows,
      meanDelaySeconds: known.length === delays.length ? Math.round((known.reduce((a, b) => a + b, 0) / known.length) * 10) / 10 : null,
      maxDelaySeconds: known.length === delays.length ? Math.max(...known) : null,
    };
    console.log(`${String(rate).padStart(5)}/s  step ${shiftSd} by phase 0..50 s, ${layout.name.padEnd(26)} ${delays.map((d) => String(d ?? '-').padStart(4)).join(' ')}  mean ${row.meanDelaySeconds} max ${row.maxDelaySeconds}`);
    out.push(row);
  }
  return out;
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

/**
 * The production path against the bench's: the same raw values of a step
 * shift (after a stationary hour) into two engines, one through
 * {@link exportRequest} (as every other figure here) and one through the
 * OpenTelemetry SDK, its OTLP serializer and our receiver
 * ({@link SdkFeatureExporter}). Equal delays, windows and D say the other
 * figures hold for the SDK path.
 */
async function sdkPathCheck(rate: number, shiftSd: number, seed: number): Promise<Record<string, unknown>> {
  const direct = start(rate, seed);
  const viaSdk = start(rate, seed);
  const sdk = new SdkFeatureExporter('m');
  let t = T0;
  let from = Number.NaN;
  const found: Array<{ s: number; window: string | null; d: number | null } | null> = [null, null];
  const highBefore = [0, 0];
  for (let i = 0; t - T0 < 3 * HOUR && (found[0] === null || found[1] === null); i++) {
    const shifted = i >= HOUR / EXPORT_MS;
    if (shifted && Number.isNaN(from)) from = t;
    const xs = Array.from({ length: direct.perExport }, () => 100 + 20 * (shifted ? shiftSd : 0) + 20 * normal(direct.r));
    t += EXPORT_MS;
    direct.engine.ingestMetrics(exportRequest(t, xs, [], EXPORT_MS), t);
    viaSdk.engine.ingestMetrics(await sdk.export(t, xs, EXPORT_MS), t);
    for (const [k, run] of [direct, viaSdk].entries()) {
      run.engine.evaluate(t);
      const v = verdictOf(run.engine);
      if (!HIGH.has(v.severity)) continue;
      if (!shifted) highBefore[k] = (highBefore[k] as number) + 1;
      else if (found[k] === null) found[k] = { s: (t - from) / S, window: v.window, d: v.d !== null ? round3(v.d) : null };
    }
  }
  await sdk.shutdown();
  const [d, v] = found;
  const row = { rate, shiftSd, delaySeconds: v?.s ?? null, decidingWindow: v?.window ?? null, observedKs: v?.d ?? null, benchPathDelaySeconds: d?.s ?? null, benchPathDecidingWindow: d?.window ?? null, benchPathObservedKs: d?.d ?? null, warningsInTheStationaryHour: highBefore[1], benchPathWarningsInTheStationaryHour: highBefore[0] };
  console.log(`${String(rate).padStart(5)}/s  step ${shiftSd} through the SDK: ${row.delaySeconds} s (${row.decidingWindow}, D ${row.observedKs})   bench path ${row.benchPathDelaySeconds} s (${row.benchPathDecidingWindow}, D ${row.benchPathObservedKs})`);
  return row;
}

/** Features of the false-alert run, each with a reference sample of its own. */
const FALSE_ALERT_FEATURES = 20;
/** Scale of the false-alert run's exports: the references' (10,000 values of N(100, 20) span 3 octaves: scale 5 in 160 buckets). */
const FALSE_ALERT_SCALE = 5;

interface FalseAlertRun {
  rate: number;
  days: number;
  features: number;
  /** Transitions of a feature's verdict into warning or worse: each would be a DataDriftDetected alert with the shipped `for`. */
  alerts: number;
  falseAlertsPerDay: number;
  /** Per feature-day, what the issue's budget is stated in. */
  falseAlertsPerFeatureDay: number;
  /** Evaluations whose verdict was info (a slight, statistically clear shift: no alert). */
  infoVerdicts: number;
  /** The largest D a judged window saw against the warning threshold 0.15, and where. */
  maxJudgedKs: { d: number; window: string; feature: string; day: number } | null;
  seconds: number;
}

/**
 * False alerts on stationary streams: one model with 20 numeric features,
 * each with a reference of 10,000 values of its own, fed N(100, 20) at
 * `rate` values/s for `days`, exported and evaluated every 10 s. The exports
 * come from {@link BucketSampler} (exact bucket counts without drawing each
 * value; see there why this is the same to the engine).
 */
function falseAlertRun(rate: number, days: number, seed: number): FalseAlertRun {
  const started = performance.now();
  const refs = Array.from({ length: FALSE_ALERT_FEATURES }, (_, f) => reference(seed * 1000 + f).baseline.features.x);
  const names = refs.map((_, f) => `f${f}`);
  for (const ref of refs) {
    const scale = ref?.type === 'numeric' ? (ref.histogram?.scale ?? Number.NaN) : Number.NaN;
    if (!(scale <= FALSE_ALERT_SCALE)) throw new Error(`a reference at scale ${scale}: the sampler's scale ${FALSE_ALERT_SCALE} would be finer than the comparison`);
  }
  const config = engineConfig({
    defaults: { evaluationInterval: EXPORT_MS },
    models: [{ name: 'm', task: 'classification', features: Object.fromEntries(names.map((n) => [n, 'numeric'])), slos: [], baseline: { format: BASELINE_FORMAT, model: 'm', createdAt: new Date(T0).toISOString(), features: Object.fromEntries(names.map((n, f) => [n, refs[f]])) as Baseline['features'], prediction: {} } }],
  });
  const engine = new Engine(config);
  const sampler = new BucketSampler(100, 20, FALSE_ALERT_SCALE);
  const r = rng(seed * 7919 + rate);
  const perExport = (rate * EXPORT_MS) / S;
  const wasHigh = new Set<string>();
  let alerts = 0;
  let infoVerdicts = 0;
  let maxJudgedKs: FalseAlertRun['maxJudgedKs'] = null;
  let t = T0;
  for (let i = 0; i < (days * 24 * HOUR) / EXPORT_MS; i++) {
    t += EXPORT_MS;
    engine.ingestMetrics(modelRequest('m', [featureMetric(t, EXPORT_MS, names.map((n) => [n, sampler.sample(r, perExport)] as const))]), t);
    engine.evaluate(t);
    for (const f of engine.driftReport('m')?.features ?? []) {
      const high = HIGH.has(f.severity);
      if (high && !wasHigh.has(f.name)) alerts++;
      if (high) wasHigh.add(f.name);
      else wasHigh.delete(f.name);
      if (f.severity === 'info') infoVerdicts++;
      for (const w of f.windows ?? []) {
        const d = w.ks?.statistic;
        if (w.severity !== 'insufficient_data' && d !== undefined && (maxJudgedKs === null || d > maxJudgedKs.d)) maxJudgedKs = { d: round3(d), window: w.window, feature: f.name, day: Math.floor((t - T0) / (24 * HOUR)) };
      }
    }
  }
  return {
    rate,
    days,
    features: FALSE_ALERT_FEATURES,
    alerts,
    falseAlertsPerDay: alerts / days,
    falseAlertsPerFeatureDay: alerts / days / FALSE_ALERT_FEATURES,
    infoVerdicts,
    maxJudgedKs,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

function printFalseAlerts(run: FalseAlertRun): void {
  const k = run.maxJudgedKs;
  console.log(`${String(run.rate).padStart(5)}/s  stationary ${run.days} days x ${run.features} features: ${run.alerts} alerts (${run.falseAlertsPerDay}/day), ${run.infoVerdicts} info verdicts; largest judged D ${k ? `${k.d} (${k.window}, ${k.feature}, day ${k.day})` : '-'}; ${run.seconds} s`);
}

/** A memory layout: the engine defaults that differ from the shipped ones. */
interface Layout {
  name: string;
  defaults: Partial<EngineDefaults>;
}

const LAYOUTS: Layout[] = [
  { name: 'before, one window', defaults: { fineSlot: 60 * S, driftWindows: [] } },
  { name: 'before, windows 1m/10m/1h', defaults: { fineSlot: 60 * S, driftWindows: [60 * S, 600 * S] } },
  { name: 'after, one window', defaults: { driftWindows: [] } },
  { name: 'after, windows 1m/10m/1h', defaults: { driftWindows: [60 * S, 600 * S] } },
  { name: 'after, default windows 10s/1m/10m/1h', defaults: {} },
];

/** Resident bytes (V8 heap + array buffers) after a full collection (the child runs with --expose-gc). */
function resident(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the memory child needs --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** One layout's bytes per stream, in this process (see the header): 100 models x 20 features. */
function memoryChild(layout: Layout, exportMs: number): number {
  const models = 100;
  const features = 20;
  const perExport = (10 * exportMs) / S;
  // A pool of SDK histograms, so that building the exports costs little.
  const r = rng(42);
  const pool: ExpHistogramData[] = [];
  for (let i = 0; i < 64; i++) {
    const h = new ExponentialHistogram({ maxSize: 160 });
    for (let k = 0; k < perExport; k++) h.record(100 + 20 * normal(r));
    pool.push(h.toData());
  }
  const ref = new ExponentialHistogram({ maxSize: 160 });
  for (const p of pool) ref.merge(p);
  const refData = ref.toData();
  const before = resident();
  const engine = new Engine(engineConfig({ discovery: { enabled: true, maxModels: models }, defaults: { evaluationInterval: EXPORT_MS, ...layout.defaults } }));
  let t = T0;
  for (let i = 0; i < (75 * 60 * S) / exportMs; i++) {
    t += exportMs;
    for (let m = 0; m < models; m++) {
      const points = Array.from({ length: features }, (_, f) => [`f${f}`, pool[(i * 13 + m + f * 7) % pool.length] as ExpHistogramData] as const);
      engine.ingestMetrics(modelRequest(`m${m}`, [featureMetric(t, exportMs, points)]), t);
    }
    if (i === 0) {
      for (let m = 0; m < models; m++) {
        const fs: Baseline['features'] = {};
        for (let f = 0; f < features; f++) fs[`f${f}`] = { type: 'numeric', histogram: refData, missing: 0 };
        engine.setBaseline(`m${m}`, { format: BASELINE_FORMAT, model: `m${m}`, createdAt: new Date(T0).toISOString(), features: fs });
      }
    }
    if (t % (60 * S) === 0) engine.evaluate(t);
  }
  engine.evaluate(t);
  const after = resident();
  // Keep the engine alive until measured.
  if (engine.listModels().length !== models) throw new Error('models missing');
  return Math.round((after - before) / (models * features));
}

/** Bytes per stream of every layout, each in a child process of its own (a clean heap). */
function memory(exportMs: number): Array<{ layout: string; bytesPerStream: number }> {
  const out: Array<{ layout: string; bytesPerStream: number }> = [];
  for (const layout of LAYOUTS) {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--memory-child', JSON.stringify({ layout, exportMs })], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`memory child (${layout.name}) failed: ${child.stderr}`);
    const bytesPerStream = Number(child.stdout.trim().split('\n').pop());
    console.log(`memory, ${String(exportMs / S).padStart(2)} s exports, ${layout.name.padEnd(22)} ${bytesPerStream} bytes per stream`);
    out.push({ layout: layout.name, bytesPerStream });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'stationary-hours': { type: 'string' },
      'false-alert-days': { type: 'string', default: '10' },
      'false-alerts-only': { type: 'boolean', default: false },
      'sdk-only': { type: 'boolean', default: false },
      rates: { type: 'string', default: '1,10,100,1000' },
      'memory-only': { type: 'boolean', default: false },
      'phases-only': { type: 'boolean', default: false },
      'memory-child': { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values['memory-child'] !== undefined) {
    const { layout, exportMs } = JSON.parse(values['memory-child']) as { layout: Layout; exportMs: number };
    console.log(memoryChild(layout, exportMs));
    return;
  }
  if (values['phases-only']) {
    for (const rate of values.rates.split(',').map(Number)) for (const shiftSd of [0.5, 1]) phaseSweep(rate, shiftSd);
    return;
  }
  const rates = values.rates.split(',').map(Number);
  const falseAlertDays = Number(values['false-alert-days']);
  if (values['false-alerts-only']) {
    for (const rate of rates) printFalseAlerts(falseAlertRun(rate, falseAlertDays, 7));
    return;
  }
  if (values['sdk-only']) {
    for (const rate of rates) for (const shiftSd of [0.5, 1]) await sdkPathCheck(rate, shiftSd, 11);
    return;
  }
  const started = performance.now();
  const mem10 = memory(EXPORT_MS);
  const mem60 = memory(60 * S);
  const bytes = (name: string): number => mem10.find((m) => m.layout === name)?.bytesPerStream ?? NaN;
  const memoryResult = {
    bytesPerStreamBefore: bytes('before, one window'),
    bytesPerStreamAfter: bytes('after, default windows 10s/1m/10m/1h'),
    memory: {
      method: '2,000 streams (100 models x 20 features), baselines set, 75 min of N(100, 20) at 10 values/s, evaluated every minute; (heapUsed + arrayBuffers) after gc, over 2,000',
      before: "today's layout: fine slots off (fineSlot = slot = 1 min)",
      after: 'fine slots of 10 s up to the 1 min fine horizon',
      exports10s: mem10,
      exports60s: mem60,
    },
  };
  if (values['memory-only']) {
    console.log(JSON.stringify(memoryResult, null, 2));
    if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(memoryResult, null, 2)}\n`);
    return;
  }
  const rows: Array<Record<string, unknown>> = [];
  const falseAlertRows: FalseAlertRun[] = [];
  const sdkRows: Array<Record<string, unknown>> = [];
  const stationaryRows: Array<Record<string, unknown>> = [];
  const phaseRows: Array<Record<string, unknown>> = [];
  for (const rate of rates) {
    const hours = values['stationary-hours'] !== undefined ? Number(values['stationary-hours']) : rate >= 1000 ? 2 : 24;
    const fa = stationary(rate, hours, 7);
    const run = falseAlertRun(rate, falseAlertDays, 7);
    falseAlertRows.push(run);
    printFalseAlerts(run);
    stationaryRows.push({ rate, hours, falseAlertsPerDay: fa.ours, seedFalseAlertsPerDay: fa.seed });
    for (const sc of SCENARIOS) {
      const d = detect(rate, sc, 11);
      const { falseBefore: _, ...found } = d;
      // The stretch goal's unit: values seen since the change; no detector fed every 10 s can flag in fewer than one export's.
      const samples = { delaySamples: d.delaySeconds === null ? null : d.delaySeconds * rate, fewestSamplesTheIntervalsAllow: (rate * EXPORT_MS) / S };
      const row = { rate, scenario: sc.name, shiftSd: sc.shiftSd, ...found, ...samples, falseAlertsPerDay: run.falseAlertsPerDay, seedFalseAlertsPerDay: fa.seed };
      rows.push(row);
      console.log(
        `${String(rate).padStart(5)}/s  ${`${sc.name} ${sc.shiftSd || ''}`.padEnd(22)} ours ${String(d.delaySeconds ?? '-').padStart(6)} s (${d.decidingWindow ?? '-'}, true D ${d.trueKsAtDelay ?? '-'}, seen ${d.observedKsAtDelay ?? '-'})` +
          `   seed ${String(d.seedDelaySeconds ?? '-').padStart(6)} s (true D ${d.seedTrueKsAtDelay ?? '-'}, seen ${d.seedObservedKsAtDelay ?? '-'})`,
      );
    }
    console.log(`${String(rate).padStart(5)}/s  stationary ${hours} h: ${fa.ours} false alerts/day (seed ${fa.seed})`);
    for (const shiftSd of [0.5, 1]) phaseRows.push(...phaseSweep(rate, shiftSd));
    for (const shiftSd of [0.5, 1]) sdkRows.push(await sdkPathCheck(rate, shiftSd, 11));
  }
  const ramp = SCENARIOS.find((sc) => sc.name.startsWith('ramp')) as Scenario;
  const rampRows = RAMP_SEEDS.map((seed) => {
    const { falseBefore: _, ...d } = detect(100, ramp, seed);
    console.log(`  100/s  ramp, seed ${String(seed).padStart(2)}: ours ${d.delaySeconds} s (${d.decidingWindow}, true D ${d.trueKsAtDelay})   seed ${d.seedDelaySeconds} s (true D ${d.seedTrueKsAtDelay})`);
    return { seed, ...d };
  });
  const result = {
    exportIntervalSeconds: EXPORT_MS / S,
    evaluationIntervalSeconds: EXPORT_MS / S,
    ...memoryResult,
    windows: driftWindowSpecs(resolveSettings(engineConfig().defaults, undefined, 'm')).map((w) => w.label),
    slotSeconds: 60,
    fineSlotSeconds: 10,
    falseAlertBudget: 'one per feature per 365 days',
    path: 'rows, stepByPhase, rampBySeed: OTLP-shaped exports of our exponential histogram (bit for bit the SDK mapping) into the engine (Engine.ingestMetrics); sdkPath: the same raw values through the OpenTelemetry SDK (exponential view, delta), its OTLP protobuf serializer and our receiver; falseAlerts: exact bucket counts (see there)',
    sdkPath: {
      note: 'Step shifts after a stationary hour, the same raw values into two engines: through the SDK path (delaySeconds, decidingWindow, observedKs) and the bench path the other figures take (benchPath*). Equal figures: the bench path stands for the SDK path.',
      rows: sdkRows,
    },
    rows,
    defaultForSeconds: DRIFT_FOR_MS / S,
    alibiDetect: {
      note: "Issue 19's figure for Alibi Detect's CVMDriftOnline (windows [100, 1000], thresholds for an expected run time of one day between false alarms) on the same streams: samples from a 0.5 sd step to its flag. Ours is held to a stricter budget (one false alert per feature-year) and grades the effect (warning at D >= 0.15), not only its significance; compare delaySamples of the 0.5 sd step rows, within what fewestSamplesTheIntervalsAllow permits.",
      samplesToFlag0_5Sd: [84, 112],
    },
    falseAlerts: {
      note: `falseAlertsPerDay in rows: ${falseAlertDays} simulated days x ${FALSE_ALERT_FEATURES} features per rate (one model; each feature with a reference of 10,000 values of its own), N(100, 20) at the rate, exports of exact bucket counts at scale ${FALSE_ALERT_SCALE} (BucketSampler in bench/simulate.ts), every verdict's transition into warning or worse counted. seedFalseAlertsPerDay: the seed's detector on raw values of one feature (stationary below; 24 h, 2 h at 1000/s: it runs a KS test on every 1,000 values).`,
      rows: falseAlertRows,
    },
    stationary: stationaryRows,
    stepByPhase: {
      note: 'The scenarios above start on a slot boundary, the best case of a one-slot 1m window (it restarts with the shift). Here each step starts 0, 10, ..., 50 s after a boundary; before = no fine slots (fineSlot = slot) with windows 1m/10m, then 10 s fine slots with windows 1m/10m, then the default windows 10s/1m/10m; the same data for every layout.',
      rows: phaseRows,
    },
    rampBySeed: {
      note: 'The 0.5 sd over 6 h ramp at 100/s on several seeds (reference and stream). trueKs: the KS distance of the population the detector judged when it fired (N(0,1) against N(d,1): 2 Phi(d/2) - 1; it reaches the warning threshold 0.15 at d = 0.38 sd, 16,400 s into the ramp); observedKs: the D it computed.',
      rows: rampRows,
    },
    seconds: (performance.now() - started) / 1000,
    node: process.version,
    date: new Date().toISOString(),
  };
  const full = values.rates === '1,10,100,1000' && values['stationary-hours'] === undefined;
  if (values.out === undefined && !full) {
    console.log('a subset: bench/results/detection.json is written only by the full run (or give --out)');
    return;
  }
  const out = values.out ?? join(ROOT, 'bench', 'results', 'detection.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

await main();
