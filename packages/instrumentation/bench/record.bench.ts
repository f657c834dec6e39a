/**
 * Cost per prediction of modelwatch's ModelMonitor, side by side in one run with
 * the raw OpenTelemetry SDK calls it makes and a hand-written prom-client
 * instrumentation in the seed's style. Writes bench/results/instrumentation.json
 * at the repository root.
 *
 *   npm run bench -w @modelwatch/instrumentation
 *
 * (a) default: ModelMonitor as the documented quickstart sets it up
 *     (`startModelwatch({ model })` + `otel.monitor()`: model identity on the
 *     resource, as DESIGN.md asks for one model per process), adaptive feature
 *     sampling at 20/s with the clock advancing 1 ms per prediction, i.e. 1000
 *     predictions/s; ground-truth sample 10%. The same with identity as
 *     attributes on every point (several models per process) is reported in
 *     `extra` — the SDK's attribute hashing makes it about 3x dearer.
 * (b) full: the same recording all 10 features on every prediction
 * (c) rawSdk: the SDK calls (b) makes, by hand: the same histograms with the
 *     same attribute objects, local counts behind the same observable counters,
 *     an id, a hash decision and the same log records
 * (d) promClient: the seed's Python instrumentation ported to prom-client
 *     (request/prediction counters, latency and confidence histograms, an
 *     in-progress gauge, feature values appended to per-feature drift windows)
 * Every path ends with a collect/export into an in-memory exporter (OTel) or a
 * text exposition (prom-client), amortised over its predictions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueType, context, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  AggregationType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import client from 'prom-client';
import { CONFIDENCE_BUCKETS, LATENCY_BUCKETS } from '@modelwatch/semconv';
import { ModelMonitor, predictionIdHash, type ModelMonitorOptions } from '../src/index.js';

const N = Number(process.env['BENCH_N'] ?? 100_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const HEAP_N = Number(process.env['BENCH_HEAP_N'] ?? 1_000_000);
const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);
const LABELS = ['positive', 'negative', 'neutral'];

// Pre-generated inputs, cycled, so generating data is not measured.
const VECTORS = Array.from({ length: 1024 }, (_, k) =>
  Object.fromEntries(FEATURES.map((f, i) => [f, Math.sin(k * 7 + i) * 100])) as Record<string, number>);
const DURATIONS = Array.from({ length: 1024 }, (_, k) => 0.001 + (k % 97) / 1000);
const CONFIDENCES = Array.from({ length: 1024 }, (_, k) => 0.5 + (k % 50) / 100);

interface Sdk {
  meterProvider: MeterProvider;
  loggerProvider: LoggerProvider;
  /** Collects and exports everything, then drops the in-memory results. */
  flush(): Promise<void>;
}

function sdk(): Sdk {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 2 ** 31 - 1 });
  const meterProvider = new MeterProvider({
    readers: [reader],
    views: [{ instrumentName: 'ml.feature.value', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  return {
    meterProvider,
    loggerProvider,
    async flush() {
      await reader.forceFlush();
      await loggerProvider.forceFlush();
      metricExporter.reset();
      logExporter.reset();
    },
  };
}

type Path = { run(n: number): void; flush(): Promise<void>; close(): Promise<void> };

function monitorPath(extra: Partial<ModelMonitorOptions>): Path {
  const s = sdk();
  let t = 0;
  const monitor = new ModelMonitor({
    model: { name: 'sentiment', version: 'v1' },
    task: 'classification',
    features: Object.fromEntries(FEATURES.map((f) => [f, 'numeric' as const])),
    meterProvider: s.meterProvider,
    loggerProvider: s.loggerProvider,
    now: () => t,
    ...extra,
  });
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        t += 1; // 1000 predictions per second of injected time
        const k = i & 1023;
        monitor.record({ durationSeconds: DURATIONS[k], label: LABELS[i % 3], confidence: CONFIDENCES[k], features: VECTORS[k] });
      }
    },
    flush: () => s.flush(),
    close: async () => { monitor.close(); await s.meterProvider.shutdown(); await s.loggerProvider.shutdown(); },
  };
}

function rawSdkPath(): Path {
  const s = sdk();
  const meter = s.meterProvider.getMeter('raw');
  const logger = s.loggerProvider.getLogger('raw');
  const identity = Object.freeze({ 'ml.model.name': 'sentiment', 'ml.model.version': 'v1' });
  const duration = meter.createHistogram('ml.inference.duration', { unit: 's', advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] } });
  const confidence = meter.createHistogram('ml.prediction.confidence', { unit: '1', advice: { explicitBucketBoundaries: [...CONFIDENCE_BUCKETS] } });
  const feature = meter.createHistogram('ml.feature.value', { unit: '{value}' });
  const predictions = meter.createObservableCounter('ml.predictions', { valueType: ValueType.INT });
  const active = meter.createObservableUpDownCounter('ml.inference.active_requests', { valueType: ValueType.INT });
  const labelAttrs: Attributes[] = LABELS.map((l) => Object.freeze({ ...identity, 'ml.prediction.label': l }));
  const labelCounts = LABELS.map(() => 0);
  const featureAttrs = FEATURES.map((f) => Object.freeze({ ...identity, 'ml.feature.name': f }));
  const negativeAttrs = featureAttrs.map((a) => Object.freeze({ ...a, 'ml.feature.sign': 'negative' }));
  meter.addBatchObservableCallback((r) => {
    r.observe(active, 0, identity);
    for (let i = 0; i < labelCounts.length; i++) r.observe(predictions, labelCounts[i]!, labelAttrs[i]);
  }, [predictions, active]);
  let seq = 0;
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        const k = i & 1023;
        duration.record(DURATIONS[k]!, identity);
        labelCounts[i % 3]!++;
        confidence.record(CONFIDENCES[k]!, identity);
        const v = VECTORS[k]!;
        for (let j = 0; j < FEATURES.length; j++) {
          const x = v[FEATURES[j]!]!;
          if (x >= 0) feature.record(x, featureAttrs[j]); else feature.record(-x, negativeAttrs[j]);
        }
        const id = `bench-${++seq}`;
        if (predictionIdHash(id) < 0.1) {
          logger.emit({
            eventName: 'ml.prediction',
            attributes: { ...identity, 'ml.prediction.id': id, 'ml.prediction.label': LABELS[i % 3]!, 'ml.prediction.confidence': CONFIDENCES[k]! },
            context: context.active(),
          });
        }
      }
    },
    flush: () => s.flush(),
    close: async () => { await s.meterProvider.shutdown(); await s.loggerProvider.shutdown(); },
  };
}

function promClientPath(): Path {
  const registry = new client.Registry();
  const requests = new client.Counter({ name: 'ml_requests_total', help: 'Total ML inference requests', labelNames: ['model_name', 'endpoint', 'model_version'], registers: [registry] });
  new client.Counter({ name: 'ml_errors_total', help: 'Total ML inference errors', labelNames: ['model_name', 'endpoint', 'error_type'], registers: [registry] });
  const latency = new client.Histogram({ name: 'ml_request_duration_seconds', help: 'latency', labelNames: ['model_name', 'endpoint'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10], registers: [registry] });
  const inProgress = new client.Gauge({ name: 'ml_requests_in_progress', help: 'in flight', labelNames: ['model_name'], registers: [registry] });
  const predictions = new client.Counter({ name: 'ml_predictions_by_class', help: 'by class', labelNames: ['model_name', 'predicted_class'], registers: [registry] });
  const confidence = new client.Histogram({ name: 'ml_prediction_confidence', help: 'confidence', labelNames: ['model_name'], buckets: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], registers: [registry] });
  const WINDOW = 1000; // the seed's drift detector keeps a window of raw values per feature
  const windows: Record<string, number[]> = Object.fromEntries(FEATURES.map((f) => [f, []]));
  const model = { model_name: 'sentiment' };
  const route = { model_name: 'sentiment', endpoint: '/predict' };
  const routeVersion = { model_name: 'sentiment', endpoint: '/predict', model_version: 'v1' };
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        const k = i & 1023;
        requests.inc(routeVersion);
        inProgress.inc(model);
        latency.observe(route, DURATIONS[k]!);
        inProgress.dec(model);
        predictions.inc({ model_name: 'sentiment', predicted_class: LABELS[i % 3]! });
        confidence.observe(model, CONFIDENCES[k]!);
        const v = VECTORS[k]!;
        for (const f of FEATURES) {
          const w = windows[f]!;
          w.push(v[f]!);
          if (w.length >= WINDOW) w.length = 0; // the drift check consumes and resets the window
        }
      }
    },
    async flush() { await registry.metrics(); },
    async close() { registry.clear(); },
  };
}

async function measure(make: () => Path, n: number): Promise<number> {
  const path = make();
  path.run(Math.min(n, 20_000)); // warm up the JIT and the attribute maps
  await path.flush();
  const start = process.hrtime.bigint();
  path.run(n);
  await path.flush();
  const ns = Number(process.hrtime.bigint() - start) / n;
  await path.close();
  return ns;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = (globalThis as { gc?: () => void }).gc;

async function heapGrowth(): Promise<number | null> {
  if (gc === undefined) return null;
  const path = monitorPath({});
  path.run(20_000);
  await path.flush();
  gc(); gc();
  const before = process.memoryUsage().heapUsed;
  for (let done = 0; done < HEAP_N; done += 100_000) { path.run(100_000); await path.flush(); }
  gc(); gc();
  const growth = process.memoryUsage().heapUsed - before;
  await path.close();
  return growth;
}

const paths: Record<string, () => Path> = {
  default: () => monitorPath({ modelIdentity: 'resource' }),
  full: () => monitorPath({ featureSampling: { rate: 1 } }),
  rawSdk: rawSdkPath,
  promClient: promClientPath,
  defaultAttributesIdentity: () => monitorPath({}),
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
// Rounds interleave the paths so a noisy neighbour on the machine hits all of them alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of Object.entries(paths)) samples[name]!.push(await measure(make, N));
}
const ns = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v))])) as Record<string, number>;
const heap = await heapGrowth();
const result = {
  nsPerPrediction: { default: ns['default'], full: ns['full'], rawSdk: ns['rawSdk'], promClient: ns['promClient'] },
  ratioDefaultVsPromClient: Number((ns['default']! / ns['promClient']!).toFixed(3)),
  ratioFullVsRawSdk: Number((ns['full']! / ns['rawSdk']!).toFixed(3)),
  heapGrowthBytes: heap,
  extra: {
    nsPerPredictionDefaultAttributesIdentity: ns['defaultAttributesIdentity'],
    ratioDefaultAttributesIdentityVsPromClient: Number((ns['defaultAttributesIdentity']! / ns['promClient']!).toFixed(3)),
    predictionsPerRound: N,
    rounds: ROUNDS,
    heapPredictions: HEAP_N,
    node: process.version,
    samplesNs: samples,
  },
};
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = resolve(root, 'bench/results/instrumentation.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
console.log(`wrote ${out}`);
