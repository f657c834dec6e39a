// Alerting benchmark, in simulated time through the pure engine and the alert
// evaluator (no clock, no I/O), with points shaped like the SDK's OTLP export:
// one model at 100 predictions/s, exported every 10 s (a 1,000-value
// exponential histogram of feature x ~ N(100, 20), confidence and duration
// histograms, the label counter), a 1-minute window of 10 s slots, evaluation
// every 10 s, and the default catalogue with `for: 0s` on the drift rules.
//
// - detectionSeconds: from the start of a +0.5 sd shift of x to DataDriftDetected firing.
// - falseAlertsPerDay: alerts of any rule firing over a stationary simulated day (worst seed).
// - The seed's own detectors on the same raw values: KS on fixed 1,000-sample
//   windows against 10,000 reference samples (thresholds 0.10/0.15/0.25, no
//   significance test; detection counted at warning, 0.15), and PSI on 10 fixed
//   bins of the confidence (0.1/0.2/0.25): seedDetectionSeconds, seedFalseAlertsPerDay.
// - alertEvaluationMs: one evaluation of the catalogue over the signals of
//   100 models x 20 features (median of 20).
//
// Prints a table and writes bench/results/alerting.json at the repository root.
// Run: npm run bench:alerting -w @modelwatch/aggregator   (about a minute; --seeds N, --days N)
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALERT_CATALOGUE, resolveAlertRules } from '@modelwatch/semconv';
import { ExponentialHistogram } from '@modelwatch/stats';
import { Engine, engineConfig, BASELINE_FORMAT, type Baseline } from '../src/engine/index.js';
import { attrs, confidence, exportRequest, normal, reference, rng, SeedKs, SeedPsi, T0 } from './simulate.js';
import { evaluateAlerts, type AlertRuleSet } from '../src/alerts/evaluator.js';
import { EMPTY_ALERTS_STATE, type AlertsState } from '../src/alerts/state.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const S = 1000;
const RATE = 100;
const EXPORT_MS = 10 * S;
const PER_EXPORT = (RATE * EXPORT_MS) / S;
const SHIFT = 10; // +0.5 sd of N(100, 20)

/** The default catalogue with `for: 0s` on the drift rules. */
function benchRules(): AlertRuleSet {
  return { defaults: resolveAlertRules({ defaults: { DataDriftDetected: { for: '0s' }, ConceptDriftDetected: { for: '0s' } } }), byModel: new Map() };
}

interface Stream {
  engine: Engine;
  state: AlertsState;
  seedKs: SeedKs;
  seedPsi: SeedPsi;
  r: () => number;
}

function stream(seed: number): Stream {
  const ref = reference(seed);
  const engine = new Engine(engineConfig({
    models: [{ name: 'm', task: 'classification', window: 60 * S, slot: 10 * S, features: { x: 'numeric' }, slos: [], baseline: ref.baseline }],
  }));
  return { engine, state: EMPTY_ALERTS_STATE, seedKs: new SeedKs(ref.xs), seedPsi: new SeedPsi(ref.confs), r: rng(seed * 7919 + 1) };
}

/** One 10 s step at `t`: an export (x shifted by `shift`), an evaluation, the seed detectors. */
function step(s: Stream, rules: AlertRuleSet, t: number, shift: number): { fired: string[]; seedKs: string; seedPsiAlerts: number } {
  const xs = Array.from({ length: PER_EXPORT }, () => 100 + shift + 20 * normal(s.r));
  const confs = Array.from({ length: PER_EXPORT }, () => confidence(s.r));
  s.engine.ingestMetrics(exportRequest(t, xs, confs, EXPORT_MS), t);
  s.engine.evaluate(t);
  const st = evaluateAlerts(rules, s.engine.outputs(), s.state, t);
  s.state = st.state;
  return { fired: st.fired.map((a) => `${a.labels['alertname']}/${a.labels['severity']}`), seedKs: s.seedKs.add(xs), seedPsiAlerts: s.seedPsi.add(confs) };
}

function detection(seed: number, rules: AlertRuleSet): { ours: number | null; seed: number | null } {
  const s = stream(seed);
  const warmup = 12; // two windows of stationary data first
  let t = T0;
  for (let i = 0; i < warmup; i++) step(s, rules, (t += EXPORT_MS), 0);
  const shiftAt = t;
  let ours: number | null = null;
  let seedAt: number | null = null;
  for (let i = 0; i < 60 && (ours === null || seedAt === null); i++) {
    const res = step(s, rules, (t += EXPORT_MS), SHIFT);
    if (ours === null && res.fired.some((f) => f.startsWith('DataDriftDetected/'))) ours = (t - shiftAt) / S;
    if (seedAt === null && (res.seedKs === 'warning' || res.seedKs === 'critical')) seedAt = (t - shiftAt) / S;
  }
  return { ours, seed: seedAt };
}

function stationaryDay(seed: number, rules: AlertRuleSet, days: number): { ours: number; byRule: Record<string, number>; seedKs: number; seedPsi: number } {
  const s = stream(seed);
  let t = T0;
  let ours = 0;
  let seedKs = 0;
  let seedPsi = 0;
  const byRule: Record<string, number> = {};
  const steps = Math.round((days * 86_400 * S) / EXPORT_MS);
  for (let i = 0; i < steps; i++) {
    const res = step(s, rules, (t += EXPORT_MS), 0);
    // The first window is still filling (insufficient_data): nothing can fire then, but count it all the same.
    ours += res.fired.length;
    for (const f of res.fired) byRule[f] = (byRule[f] ?? 0) + 1;
    if (res.seedKs !== 'none') seedKs++;
    seedPsi += res.seedPsiAlerts;
  }
  return { ours: ours / days, byRule, seedKs: seedKs / days, seedPsi: seedPsi / days };
}

/** One evaluation of the catalogue over 100 models x 20 features of real engine outputs. */
function evaluationCost(): { ms: number; signals: number; rules: number } {
  const models = 100;
  const features = 20;
  const r = rng(42);
  const feats: Record<string, 'numeric'> = {};
  for (let f = 0; f < features; f++) feats[`f${f}`] = 'numeric';
  const pool = Array.from({ length: 16 }, () => {
    const h = new ExponentialHistogram({ maxSize: 160 });
    for (let k = 0; k < 600; k++) h.record(100 + 20 * normal(r));
    return h.toData();
  });
  const ref = new ExponentialHistogram({ maxSize: 160 });
  for (const p of pool) ref.merge(p);
  const refData = ref.toData();
  const engine = new Engine(engineConfig({
    discovery: { maxModels: models },
    models: Array.from({ length: models }, (_, i) => ({
      name: `m${i}`, task: 'classification' as const, window: 60 * S, slot: 10 * S, features: feats,
      slos: [{ name: 'errors', kind: 'error_rate' as const, objective: 0.99 }],
      baseline: { format: BASELINE_FORMAT, model: `m${i}`, createdAt: new Date(T0).toISOString(), features: Object.fromEntries(Object.keys(feats).map((f) => [f, { type: 'numeric' as const, histogram: refData, missing: 0 }])) } as Baseline,
    })),
  }));
  const t = T0 + 30 * S;
  for (let i = 0; i < models; i++) {
    const points = Object.keys(feats).map((f, k) => {
      const d = pool[(i + k) % pool.length]!;
      return { attributes: attrs({ 'ml.feature.name': f }), startTimeUnixNano: BigInt(t - EXPORT_MS) * 1_000_000n, timeUnixNano: BigInt(t) * 1_000_000n, flags: 0, count: d.count, scale: d.scale, zeroCount: d.zeroCount, zeroThreshold: 0, positive: d.positive, negative: d.negative };
    });
    const req = exportRequest(t, [], Array.from({ length: 600 }, () => confidence(r)), EXPORT_MS);
    const sm = req.resourceMetrics[0]!.scopeMetrics[0]!;
    sm.metrics[0] = { name: 'ml.feature.value', description: '', unit: '', metadata: attrs({}), type: 'exponentialHistogram', temporality: 'delta', points };
    req.resourceMetrics[0]!.resource.attributes = attrs({ 'ml.model.name': `m${i}` });
    engine.ingestMetrics(req, t);
  }
  engine.evaluate(t + S);
  const signals = engine.outputs();
  const rules = benchRules();
  const times: number[] = [];
  let state = EMPTY_ALERTS_STATE;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    state = evaluateAlerts(rules, signals, state, t + (i + 1) * 10 * S).state;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] as number, signals: signals.length, rules: ALERT_CATALOGUE.length };
}

function main(): void {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, days: { type: 'string', default: '1' } } });
  const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
  const days = Number(values.days);
  const rules = benchRules();
  const started = performance.now();

  const det = seeds.map((seed) => detection(seed, rules));
  const oursDet = det.map((d) => d.ours);
  const seedDet = det.map((d) => d.seed);
  const falseRuns = seeds.slice(0, 3).map((seed) => stationaryDay(seed, rules, days));
  const cost = evaluationCost();
  const worst = (xs: Array<number | null>): number | null => (xs.some((x) => x === null) ? null : Math.max(...(xs as number[])));

  const result = {
    setup: { predictionsPerSecond: RATE, exportIntervalSeconds: EXPORT_MS / S, windowSeconds: 60, slotSeconds: 10, evaluationIntervalSeconds: 10, shift: '+0.5 sd on one feature', seeds: seeds.length, stationaryDaysPerSeed: days, stationarySeeds: falseRuns.length },
    detectionSeconds: worst(oursDet),
    detectionSecondsBySeed: oursDet,
    falseAlertsPerDay: Math.max(...falseRuns.map((f) => f.ours)),
    falseAlertsByRule: falseRuns.map((f) => f.byRule),
    seedDetectionSeconds: worst(seedDet),
    seedDetectionSecondsBySeed: seedDet,
    seedFalseAlertsPerDay: Math.max(...falseRuns.map((f) => f.seedKs + f.seedPsi)),
    seedFalseAlertsPerDayKs: falseRuns.map((f) => f.seedKs),
    seedFalseAlertsPerDayPsi: falseRuns.map((f) => f.seedPsi),
    alertEvaluationMs: cost.ms,
    alertEvaluationSignals: cost.signals,
    catalogueRules: cost.rules,
    goals: { detectionSeconds: 120, falseAlertsPerDay: 0, alertEvaluationMs: 50 },
    seconds: (performance.now() - started) / 1000,
    node: process.version,
    date: new Date().toISOString(),
  };
  const rows: Array<[string, unknown, string]> = [
    ['detectionSeconds (worst seed)', result.detectionSeconds, '<= 120'],
    ['falseAlertsPerDay (worst seed)', result.falseAlertsPerDay, '0'],
    ['seedDetectionSeconds (worst seed)', result.seedDetectionSeconds, ''],
    ['seedFalseAlertsPerDay (worst seed)', result.seedFalseAlertsPerDay, ''],
    ['alertEvaluationMs (100 x 20)', Number(result.alertEvaluationMs.toFixed(2)), '< 50'],
  ];
  for (const [k, v, goal] of rows) console.log(`${k.padEnd(38)} ${String(v).padStart(10)}   goal ${goal}`);
  const out = join(ROOT, 'bench', 'results', 'alerting.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main();
