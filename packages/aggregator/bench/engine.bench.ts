// Engine benchmarks: one evaluation tick over 10,000 feature streams, and the
// resident memory per feature stream holding a 1 h window of 1 min slots.
// Data: N(100, 20) at 10 values/s through the SDK's default exponential
// aggregation (max size 160, bucket-identical to the SDK via @modelwatch/stats),
// exported once a minute (the SDK's default interval): one 600-value point per slot.
// Run alone: npx tsx packages/aggregator/bench/engine.bench.ts (add --expose-gc
// through NODE_OPTIONS for the memory figure; without it the figure is null).
import { ExponentialHistogram, type ExpHistogramData } from '@modelwatch/stats';
import { Engine, engineConfig, BASELINE_FORMAT, type Baseline } from '../src/engine/index.js';
import type { MetricsRequest, Metric } from '../src/receiver/otlp/types.js';
import { rng } from './simulate.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);


function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A pool of one-minute SDK histograms (600 values of N(100, 20) each). */
function slotPool(size: number, seed: number): ExpHistogramData[] {
  const r = rng(seed);
  const out: ExpHistogramData[] = [];
  for (let i = 0; i < size; i++) {
    const h = new ExponentialHistogram({ maxSize: 160 });
    for (let k = 0; k < 600; k++) h.record(Math.abs(100 + 20 * normal(r)));
    out.push(h.toData());
  }
  return out;
}

const attrs = (o: Record<string, unknown>): Record<string, never> => Object.assign(Object.create(null) as object, o) as Record<string, never>;

/** One request carrying one slot of every feature of one model. */
function slotRequest(model: string, features: number, t: number, pool: ExpHistogramData[], pick: number): MetricsRequest {
  const points = [];
  for (let f = 0; f < features; f++) {
    const h = pool[(pick + f * 7) % pool.length] as ExpHistogramData;
    points.push({
      attributes: attrs({ 'ml.feature.name': `f${f}` }),
      startTimeUnixNano: BigInt(t - MIN) * 1_000_000n,
      timeUnixNano: BigInt(t) * 1_000_000n,
      flags: 0,
      count: h.count,
      scale: h.scale,
      zeroCount: h.zeroCount,
      zeroThreshold: 0,
      positive: h.positive,
      negative: h.negative,
    });
  }
  const metric: Metric = { name: 'ml.feature.value', description: '', unit: '', metadata: attrs({}), type: 'exponentialHistogram', temporality: 'delta', points };
  return {
    resourceMetrics: [{ resource: { attributes: attrs({ 'ml.model.name': model }) }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'b', version: '', attributes: attrs({}) }, schemaUrl: '', metrics: [metric] }] }],
  };
}

function baselineFor(model: string, features: number, pool: ExpHistogramData[]): Baseline {
  const h = new ExponentialHistogram({ maxSize: 160 });
  for (const p of pool) h.merge(p);
  const data = h.toData();
  const fs: Baseline['features'] = {};
  for (let f = 0; f < features; f++) fs[`f${f}`] = { type: 'numeric', histogram: data, missing: 0 };
  return { format: BASELINE_FORMAT, model, createdAt: new Date(T0).toISOString(), features: fs };
}

/** An engine of `models` x `features` streams, each holding `slots` one-minute slots. */
function filledEngine(models: number, features: number, slots: number, pool: ExpHistogramData[]): { engine: Engine; now: number; ingestMs: number } {
  const engine = new Engine(
    engineConfig({
      models: [],
      discovery: { enabled: true, maxModels: models },
      defaults: { window: 60 * MIN, slot: MIN },
    }),
  );
  let ingestMs = 0;
  for (let s = 0; s < slots; s++) {
    const t = T0 + s * MIN + 30_000;
    const reqs = Array.from({ length: models }, (_, m) => slotRequest(`m${m}`, features, t, pool, s * 13 + m));
    // CPU time, not wall time: the figure is per core, whatever else the machine runs.
    const c0 = process.cpuUsage();
    for (let m = 0; m < models; m++) engine.ingestMetrics(reqs[m] as MetricsRequest, t);
    const c = process.cpuUsage(c0);
    ingestMs += (c.user + c.system) / 1000;
  }
  return { engine, now: T0 + (slots - 1) * MIN + 59_000, ingestMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** Resident bytes (V8 heap + array buffers) after a full collection, or null without --expose-gc. */
function resident(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs both measurements. */
export async function run(): Promise<{
  evaluate10kStreamsMs: number;
  bytesPerStreamWindow: number | null;
  bytesPerStreamWindowScale: number;
  engineIngestPointsPerSecond: number;
  snapshotBytesPerStreamWindow: number;
}> {
  const pool = slotPool(64, 42);

  // Memory: 2,000 streams (100 models x 20 features), 75 minutes of data so the
  // evaluation has expired 15 slots: the steady state of a full hour each.
  const before = resident();
  const mem = filledEngine(100, 20, 75, pool);
  mem.engine.evaluate(mem.now);
  const after = resident();
  const bytesPerStreamWindow = before === null || after === null ? null : Math.round((after - before) / 2000);
  const snap = mem.engine.snapshot();
  const scale = snap.models[0]?.features[0]?.exp?.scale ?? NaN;
  const snapshotBytesPerStreamWindow = Math.round(JSON.stringify(snap).length / 2000);

  // Evaluation: 10,000 streams (500 models x 20 features) against a baseline each.
  const { engine, now, ingestMs } = filledEngine(500, 20, 60, pool);
  // Engine-only ingest (CPU time): histogram points already decoded, 600,000 of them.
  const engineIngestPointsPerSecond = Math.round((500 * 20 * 60) / (ingestMs / 1000));
  for (let m = 0; m < 500; m++) engine.setBaseline(`m${m}`, baselineFor(`m${m}`, 20, pool));
  engine.evaluate(now); // warm up
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    engine.evaluate(now + i);
    times.push(performance.now() - t0);
  }
  await Promise.resolve();
  return {
    evaluate10kStreamsMs: Math.round(median(times) * 10) / 10,
    bytesPerStreamWindow,
    bytesPerStreamWindowScale: scale,
    engineIngestPointsPerSecond,
    snapshotBytesPerStreamWindow,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => console.log(JSON.stringify(r)), (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
