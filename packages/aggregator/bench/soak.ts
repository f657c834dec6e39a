// Soak benchmark: a real `modelwatch serve` process (from the sources, through
// tsx) under steady OTLP/HTTP traffic for a long time, to show that nothing
// grows that should not.
//
// 1. Capacity: 8 keep-alive connections in a closed loop for a few seconds
//    (after a warm-up) measure the requests and data points per second the
//    aggregator takes at saturation.
// 2. Soak: an open loop at 50% of that request rate for the duration (default
//    10 min). Latency is measured from each request's scheduled send time, so
//    a stalled server cannot hide queueing (no coordinated omission).
// 3. Every 10 s: the aggregator's resident memory (VmRSS of its process, read
//    each second: the interval's mean and max), its event-loop delay (p99 and
//    max over its own last 10-s period, from its /metrics:
//    ml.aggregator.eventloop.delay.*), its CPU share, and the latency of the
//    requests answered in the interval (p50, p99). Also, reported but not
//    judged: the aggregator's V8 heap, committed and live (bench/serve.ts), so
//    that growth of RSS can be told apart: a leak grows the live heap; V8
//    sizing its old generation (up to 4x what survived the last full
//    collection, on a host whose heap limit is 2 GiB or more) grows only the
//    committed heap.
// 4. Least-squares slopes per minute over the samples after the warm-up, and a
//    verdict: flat or not (see FlatnessBounds for the rule).
//
// The traffic: 10 models x 2 service instances, each with its own OpenTelemetry
// SDK pipeline (delta temporality, the exponential view on ml.feature.value).
// Two requests in three are a Collector's batch of 5 instances' metric exports
// (each: 12 feature histograms, inference duration, confidence and predictions
// by label, 17 points), from a pool made again round-robin so that their points
// stay recent; every third is a fresh log export of one instance: 20
// ml.prediction events and the ml.ground_truth events of its previous 20
// predictions (new ids each time: the ground-truth join runs). At most 64
// requests are in flight (the default limits.maxInFlightRequests; a Collector
// exports with a handful of consumers), so the soak is never refused.
// The aggregator's state that grows by design for hours (the drift window,
// the signal history, the ground-truth join's maps) is configured small, so
// that it is full after the first minute: what grows after that is a leak.
//
// Prints a table and writes bench/results/soak.json at the repository root.
// Run: npm run bench:soak -w @modelwatch/aggregator [-- --duration 10m] [--out path]
// test/e2e/soak-short.test.ts runs the same code for a minute with looser bounds.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import {
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_GROUND_TRUTH_LABEL,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_PREDICTION_CONFIDENCE,
  ATTR_ML_PREDICTION_ID,
  ATTR_ML_PREDICTION_LABEL,
  CONFIDENCE_BUCKETS,
  EVENT_ML_GROUND_TRUTH,
  EVENT_ML_PREDICTION,
  LATENCY_BUCKETS,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_PREDICTION_CONFIDENCE,
  METRIC_ML_PREDICTIONS,
} from '@modelwatch/semconv';
import { parseDuration } from '../src/config/duration.js';
import { rejectedPoints } from './ingest.bench.js';
import { confidence, normal, rng } from './simulate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SERVE = join(HERE, 'serve.ts');
const ROOT = join(HERE, '..', '..', '..');
const MIB = 1024 ** 2;

/** The soak aggregator's configuration: the defaults, but for state that grows by design for hours. */
const SOAK_CONFIG = `# written by packages/aggregator/bench/soak.ts
evaluation: { interval: 5s }
storage: { checkpointInterval: 30s }
defaults:
  window: 1m
  slot: 10s
  driftWindows: []
  groundTruth: { maxPending: 2000, maxJoined: 2000, maxEarlyLabels: 500, calibrationSize: 1000 }
history: { interval: 5s, retention: 1m }
`;

const MODELS = 10;
const INSTANCES_PER_MODEL = 2;
const FEATURES = 12;
const VALUES_PER_EXPORT = 100;
/** Instances' metric exports per metrics request, as a Collector batches them. */
const BATCH = 5;
const PREDICTIONS_PER_LOG_EXPORT = 20;
const LABELS = ['class_0', 'class_1', 'class_2'];
/** Every metric export in the pool is made again within this time, so its points stay inside the 1-minute window. */
const REFRESH_MS = 10_000;
/** Connections of the capacity measurement (closed loop). */
const CAPACITY_CONNECTIONS = 8;
/**
 * Requests in flight at most during the soak (open loop): the aggregator's
 * default limits.maxInFlightRequests, so it never refuses one. A request due
 * past it waits for one to return, and its latency counts from when it was due.
 */
const MAX_OUTSTANDING = 64;
/** Scheduler tick of the open loop, in ms. */
const TICK_MS = 5;
/** A request sent this long after it was due counts as late (the load generator fell behind). */
const LATE_MS = 100;

/** What makes a soak flat. */
export interface FlatnessBounds {
  /**
   * Most growth of resident memory, in bytes per minute: the least-squares
   * slope of the samples' mean RSS. RSS is flat when the slope is at most this
   * and the last half of the samples, when it holds at least
   * {@link STEP_RULE_MIN_SAMPLES}, does not rise at every step faster than
   * this (a steady leak does; the GC's sawtooth and a plateau do not).
   */
  rssSlopeBytesPerMinute: number;
  /**
   * A latency or event-loop delay series is flat when its least-squares trend
   * over the measured span (slope x span) is at most this share of its median,
   * or at most `floorMs`, or when the slope is within two standard errors of
   * zero (no trend beyond the noise).
   */
  relativeChange: number;
  /** See `relativeChange`: small medians are dominated by timer and scheduling noise. */
  floorMs: number;
}

/** The full soak's bounds. */
export const SOAK_BOUNDS: FlatnessBounds = Object.freeze({ rssSlopeBytesPerMinute: 1 * MIB, relativeChange: 0.5, floorMs: 5 });

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Length of the soak at the reduced load, in ms. */
  durationMs: number;
  /** Time between two samples, in ms. @default 10000 */
  sampleIntervalMs?: number;
  /** Samples in the first this many ms of the soak are left out of the trends (V8 sizes its heap for the first minutes). @default min(180000, 30% of the duration) */
  warmupMs?: number;
  /** Seconds of the capacity measurement (after 3 s of warm-up). @default 15 */
  capacitySeconds?: number;
  /** Share of the measured capacity the soak runs at. @default 0.5 */
  loadShare?: number;
  bounds?: FlatnessBounds;
  /** Progress lines. @default nothing */
  log?: (line: string) => void;
  /** Seed of the traffic. @default 1 */
  seed?: number;
  /**
   * The aggregator's V8 heap limit (`--max-old-space-size`), in MiB; 0 leaves
   * Node's default. @default {@link DEFAULT_HEAP_LIMIT_MIB}
   */
  heapLimitMiB?: number;
}

/**
 * The aggregator's V8 heap limit in the soak, in MiB, as a deployment sets it
 * (docs/configuration.md, "Memory limit"). Without one, Node takes a quarter of
 * the machine's memory (4 GiB here), and V8 then lets its old generation grow
 * up to four times what survived the last full collection before collecting:
 * the soak measured 160-215 MiB reserved for 46-58 MiB live, drifting by
 * +-1-3 MiB/min on its own, while the live heap stayed flat. That is headroom,
 * not a leak, but it hides one: with the heap bounded, growth of resident
 * memory is growth of what the aggregator holds.
 */
export const DEFAULT_HEAP_LIMIT_MIB = 512;

/** One sample of the soak. */
export interface SoakSample {
  /** Seconds since the soak started (end of the interval). */
  t: number;
  rssMeanBytes: number;
  rssMaxBytes: number;
  /**
   * The aggregator's V8 heap over the interval (bench/serve.ts reports it each
   * second): committed bytes (mean), and the heap used just after the last full
   * collection, about what is live (NaN before the first one). Resident memory
   * that grows while the live heap stays flat is V8 sizing its heap, not a leak.
   */
  heapTotalMeanBytes: number;
  liveHeapBytes: number;
  /** The aggregator's own p99 and max event-loop delay over its last 10-s period; NaN before it reports one. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Requests answered 200 in the interval, per second. */
  requestsPerSecond: number;
  /** Non-200 answers and failed requests in the interval. */
  failed: number;
  /** Requests sent more than LATE_MS after they were due, in the interval: the load generator fell behind. */
  late: number;
  /** The aggregator's CPU time over the interval's wall time (1 = one core). */
  cpuShare: number;
}

/** A least-squares line through a series, per minute. */
export interface Trend {
  /** Slope, in the series' unit per minute. */
  slopePerMinute: number;
  /** Standard error of the slope. */
  standardError: number;
  /** Minutes between the first and the last sample used. */
  spanMinutes: number;
  median: number;
  samples: number;
}

/** A series' verdict. */
export interface Verdict {
  flat: boolean;
  /** The rule as applied, with the numbers. */
  rule: string;
}

/** What {@link runSoak} measured. */
export interface SoakResult {
  capacity: { requestsPerSecond: number; pointsPerSecond: number; seconds: number; connections: number; failed: number };
  targetRequestsPerSecond: number;
  achievedRequestsPerSecond: number;
  /** Data points and log records per second the soak sent and had accepted. */
  achievedPointsPerSecond: number;
  durationSeconds: number;
  warmupSeconds: number;
  samples: SoakSample[];
  /** `heapTotal` and `liveHeap` tell V8's heap sizing from a leak (see {@link SoakSample}); they are reported, not judged. */
  trends: { rss: Trend; heapTotal: Trend; liveHeap: Trend; latencyP50: Trend; latencyP99: Trend; eventLoopDelayP99: Trend };
  verdicts: { rss: Verdict; latencyP50: Verdict; latencyP99: Verdict; eventLoopDelayP99: Verdict };
  flat: boolean;
  /** `failures`: failed requests by HTTP status or error. */
  requests: { ok: number; failed: number; late: number; rejectedPoints: number; failures: Record<string, number> };
  rss: { maxBytes: number; firstMeasuredMeanBytes: number; lastMeanBytes: number };
  latency: { p50Ms: number; p99Ms: number; maxMs: number };
  bounds: FlatnessBounds;
}

/** `y = a + b x` by least squares, with the standard error of `b`. */
export function leastSquares(points: ReadonlyArray<readonly [number, number]>): { slope: number; intercept: number; standardError: number } {
  const n = points.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, standardError: Number.NaN };
  let mx = 0;
  let my = 0;
  for (const [x, y] of points) {
    mx += x / n;
    my += y / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (const [x, y] of points) sse += (y - intercept - slope * x) ** 2;
  const standardError = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, standardError };
}

function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** The trend of `value` over the samples, per minute; samples whose value is not finite are left out. */
export function trend(samples: readonly SoakSample[], value: (s: SoakSample) => number): Trend {
  const points = samples.map((s) => [s.t / 60, value(s)] as const).filter(([, y]) => Number.isFinite(y));
  const { slope, standardError } = leastSquares(points);
  const xs = points.map(([x]) => x);
  return {
    slopePerMinute: slope,
    standardError,
    spanMinutes: xs.length === 0 ? 0 : Math.max(...xs) - Math.min(...xs),
    median: median(points.map(([, y]) => y)),
    samples: points.length,
  };
}

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/** The RSS rule of {@link FlatnessBounds}. */
export function judgeRss(samples: readonly SoakSample[], t: Trend, bounds: FlatnessBounds): Verdict {
  const lastHalf = samples.slice(Math.floor(samples.length / 2));
  const lastRss = lastHalf.map((s) => s.rssMeanBytes);
  // The step rule needs a last half longer than one tooth of the GC's sawtooth, which rises at every
  // step between two collections (regression: CI's short soak, 8 samples 5 s apart, failed on one
  // tooth, 208.3 → 209.9 → 219.9 → 223.0 MiB after a collection at t = 45 s). The short soak then
  // rests on its overall slope, which catches the gross leaks it is for.
  const stepRuleApplies = lastRss.length >= STEP_RULE_MIN_SAMPLES;
  const risingAtEveryStep = stepRuleApplies && lastRss.every((v, i) => i === 0 || v > (lastRss[i - 1] as number));
  // A rise at every step is a leak only at the bound's rate: a plateau that creeps up by a few hundred
  // KiB a sample (malloc arenas filling once) rises at every step too (regression: CI's short soak
  // failed on 348.4 → 349.6 MiB over its last 15 s, 4.8 MiB/min under a 64 MiB/min bound).
  const lastSlope = trend(lastHalf, (s) => s.rssMeanBytes).slopePerMinute;
  const risingFast = risingAtEveryStep && lastSlope > bounds.rssSlopeBytesPerMinute;
  const slopeOk = Number.isFinite(t.slopePerMinute) && t.slopePerMinute <= bounds.rssSlopeBytesPerMinute;
  return {
    flat: slopeOk && !risingFast,
    rule: `slope ${fmt(t.slopePerMinute / MIB, 3)} MiB/min (SE ${fmt(t.standardError / MIB, 3)}) <= ${fmt(bounds.rssSlopeBytesPerMinute / MIB, 3)} MiB/min: ${slopeOk}; ${stepRuleApplies ? `last half (${lastRss.length} samples) rising at every step: ${risingAtEveryStep}, at ${fmt(lastSlope / MIB, 3)} MiB/min: ${risingFast ? 'over' : 'within'} the bound` : `last half (${lastRss.length} samples) too short for the step rule (needs ${STEP_RULE_MIN_SAMPLES})`}`,
  };
}

/** Fewest samples in the last half for {@link judgeRss}'s step rule: more than one GC tooth. */
export const STEP_RULE_MIN_SAMPLES = 8;

/** The latency and delay rule of {@link FlatnessBounds}. */
export function judgeLatency(t: Trend, bounds: FlatnessBounds): Verdict {
  const change = t.slopePerMinute * t.spanMinutes;
  const allowed = Math.max(bounds.floorMs, bounds.relativeChange * t.median);
  const small = change <= allowed;
  const withinNoise = t.slopePerMinute <= 2 * t.standardError;
  return {
    flat: Number.isFinite(change) && (small || withinNoise),
    rule: `trend ${fmt(change)} ms over ${fmt(t.spanMinutes, 1)} min (slope ${fmt(t.slopePerMinute, 3)} ms/min, SE ${fmt(t.standardError, 3)}) <= max(${bounds.floorMs} ms, ${bounds.relativeChange} x median ${fmt(t.median)} ms) = ${fmt(allowed)} ms: ${small}; slope within 2 SE of 0: ${withinNoise}`,
  };
}

// ------------------------------------------------------------------ traffic

class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** One encoded request. */
interface Encoded {
  kind: 'metrics' | 'logs';
  body: Uint8Array;
  /** Data points or log records. */
  items: number;
}

/** One service instance serving one model, with its own SDK pipelines. */
class Sender {
  private readonly reader = new OnDemandReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  private readonly meters: MeterProvider;
  private readonly records = new InMemoryLogRecordExporter();
  private readonly loggers: LoggerProvider;
  private readonly record: () => void;
  private pendingLabels: Array<{ id: string; label: string }> = [];
  private seq = 0;

  constructor(
    readonly model: string,
    readonly instance: string,
    private readonly rand: () => number,
  ) {
    const resource = resourceFromAttributes({ 'service.name': `soak-${model}`, 'service.instance.id': instance, [ATTR_ML_MODEL_NAME]: model });
    this.meters = new MeterProvider({
      resource,
      readers: [this.reader],
      views: [{ instrumentName: METRIC_ML_FEATURE_VALUE, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    this.loggers = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: this.records })] });
    const meter = this.meters.getMeter('@modelwatch/instrumentation', '0.1.0');
    const feature = meter.createHistogram(METRIC_ML_FEATURE_VALUE);
    const duration = meter.createHistogram(METRIC_ML_INFERENCE_DURATION, { unit: 's', advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] } });
    const conf = meter.createHistogram(METRIC_ML_PREDICTION_CONFIDENCE, { unit: '1', advice: { explicitBucketBoundaries: [...CONFIDENCE_BUCKETS] } });
    const predictions = meter.createCounter(METRIC_ML_PREDICTIONS);
    const featureAttrs = Array.from({ length: FEATURES }, (_, f) => ({ [ATTR_ML_FEATURE_NAME]: `feature_${f}` }));
    this.record = () => {
      for (let f = 0; f < FEATURES; f++) {
        // Stationary: each feature keeps its distribution for the whole soak.
        for (let i = 0; i < VALUES_PER_EXPORT; i++) feature.record(Math.abs(10 + f + (1 + f / 4) * normal(this.rand)), featureAttrs[f]);
      }
      for (let i = 0; i < VALUES_PER_EXPORT; i++) {
        duration.record(0.005 + 0.05 * this.rand() * this.rand());
        conf.record(confidence(this.rand));
        predictions.add(1, { [ATTR_ML_PREDICTION_LABEL]: LABELS[i % LABELS.length] });
      }
    };
  }

  /** One delta metric export of what was recorded since the last one (17 points). */
  async metrics(): Promise<Encoded> {
    this.record();
    const { resourceMetrics } = await this.reader.collect();
    let items = 0;
    for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) items += m.dataPoints.length;
    const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
    if (body === undefined) throw new Error('the SDK protobuf serializer returned nothing');
    return { kind: 'metrics', body, items };
  }

  /** One log export: new predictions, and the ground truth of the previous export's predictions. */
  logs(): Encoded {
    this.records.reset();
    const logger = this.loggers.getLogger('@modelwatch/instrumentation');
    for (const { id, label } of this.pendingLabels) {
      // 85% correct, so accuracy is stable and well inside its bounds.
      logger.emit({ eventName: EVENT_ML_GROUND_TRUTH, attributes: { [ATTR_ML_PREDICTION_ID]: id, [ATTR_ML_GROUND_TRUTH_LABEL]: this.rand() < 0.85 ? label : 'other' } });
    }
    this.pendingLabels = [];
    for (let i = 0; i < PREDICTIONS_PER_LOG_EXPORT; i++) {
      const id = `${this.instance}-${(this.seq++).toString(36)}`;
      const label = LABELS[Math.floor(this.rand() * LABELS.length)] as string;
      logger.emit({ eventName: EVENT_ML_PREDICTION, attributes: { [ATTR_ML_PREDICTION_ID]: id, [ATTR_ML_PREDICTION_LABEL]: label, [ATTR_ML_PREDICTION_CONFIDENCE]: confidence(this.rand) } });
      this.pendingLabels.push({ id, label });
    }
    const finished = this.records.getFinishedLogRecords();
    const body = ProtobufLogsSerializer.serializeRequest(finished);
    if (body === undefined) throw new Error('the SDK protobuf serializer returned nothing');
    return { kind: 'logs', body, items: finished.length };
  }

  async shutdown(): Promise<void> {
    await this.meters.shutdown();
    await this.loggers.shutdown();
  }
}

/**
 * The request mix: two batches of metric exports (from a pool, each made again
 * within REFRESH_MS) for each fresh log export, round-robin over the senders.
 */
class Traffic {
  private n = 0;
  private refreshing: NodeJS.Timeout | undefined;

  private constructor(
    private readonly senders: Sender[],
    private readonly pool: Encoded[],
  ) {}

  static async create(seed: number): Promise<Traffic> {
    const rand = rng(seed);
    const senders: Sender[] = [];
    for (let m = 0; m < MODELS; m++) for (let i = 0; i < INSTANCES_PER_MODEL; i++) senders.push(new Sender(`soak_model_${m}`, `soak-${m}-${i}`, rand));
    const pool = await Promise.all(senders.map((s) => s.metrics()));
    return new Traffic(senders, pool);
  }

  next(): Encoded {
    const i = this.n++;
    if (i % 3 === 2) return (this.senders[Math.floor(i / 3) % this.senders.length] as Sender).logs();
    // Concatenated ExportMetricsServiceRequest messages are one message whose resource_metrics are all of theirs.
    const first = (Math.floor(i / 3) * 2 + (i % 3)) * BATCH % this.pool.length;
    const batch = Array.from({ length: BATCH }, (_, k) => this.pool[(first + k) % this.pool.length] as Encoded);
    return { kind: 'metrics', body: Buffer.concat(batch.map((e) => e.body)), items: batch.reduce((n, e) => n + e.items, 0) };
  }

  /** Makes one pool entry again per tick, so that each is at most REFRESH_MS old. */
  startRefreshing(): void {
    let k = 0;
    this.refreshing = setInterval(() => {
      const j = k++ % this.senders.length;
      void (this.senders[j] as Sender).metrics().then((e) => (this.pool[j] = e));
    }, REFRESH_MS / this.senders.length);
  }

  async close(): Promise<void> {
    clearInterval(this.refreshing);
    await Promise.all(this.senders.map((s) => s.shutdown()));
  }
}

// ---------------------------------------------------------------- the process

/** One `MW_MEMORY` report of bench/serve.ts. */
interface MemoryReport {
  heapTotal: number;
  heapUsed: number;
  external: number;
  liveAfterGc: number | null;
  fullCollections: number;
}

interface Aggregator {
  child: ChildProcess;
  pid: number;
  otlpHttp: URL;
  http: string;
  stderr(): string;
  /** The memory reports since the last call. */
  takeMemoryReports(): MemoryReport[];
  stop(): Promise<void>;
}

/** Starts `modelwatch serve` from the sources (bench/serve.ts), on loopback ports chosen by the OS. */
async function startAggregator(heapLimitMiB: number): Promise<Aggregator> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-soak-'));
  const config = join(dir, 'modelwatch.yaml');
  writeFileSync(config, SOAK_CONFIG);
  // MW_SOAK_SERVER_NODE_ARGS adds flags to the aggregator process, e.g. "--heapsnapshot-signal=SIGUSR2".
  const extra = (process.env.MW_SOAK_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const heap = heapLimitMiB > 0 ? [`--max-old-space-size=${heapLimitMiB}`] : [];
  const args = [...heap, ...extra, '--import', 'tsx', SERVE, 'serve', '--config', config, '--data-dir', join(dir, 'data'), '--otlp', '127.0.0.1:0', '--otlp-grpc', 'off', '--http', '127.0.0.1:0'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MW_BENCH_MEMORY: '1' } });
  let err = '';
  const reports: MemoryReport[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line.startsWith('MW_MEMORY ')) {
      try {
        reports.push(JSON.parse(line.slice('MW_MEMORY '.length)) as MemoryReport);
      } catch {
        // a torn line: the next second's report follows
      }
      return;
    }
    // Keep the end: a soak's log may be long.
    err = (err + line + '\n').slice(-200_000);
  });
  const exited = once(child, 'exit');
  const ready = await new Promise<{ otlpHttp: string; http: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`modelwatch serve did not get ready in 60 s; stderr:\n${err}`)), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { otlpHttp: string; http: string });
      } catch {
        reject(new Error(`unexpected first line ${line}; stderr:\n${err}`));
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`modelwatch serve exited with ${String(code)} before ready; stderr:\n${err}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    otlpHttp: new URL('/v1/', ready.otlpHttp),
    http: ready.http,
    stderr: () => err,
    takeMemoryReports: () => reports.splice(0),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** VmRSS of a process, in bytes. */
function residentBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

/** CPU time of a process (user + system), in ms; Linux reports clock ticks of 10 ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The aggregator's event-loop delay gauges from its /metrics (seconds), in ms. */
async function eventLoopDelay(http: string): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`${http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const read = (name: string): number => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1000 : Number.NaN;
  };
  return { p99Ms: read('ml_aggregator_eventloop_delay_p99'), maxMs: read('ml_aggregator_eventloop_delay_max') };
}

interface Answer {
  ok: boolean;
  /** The HTTP status, or the error of a request that got none. */
  status: string;
  rejected: number;
}

function post(agent: Agent, base: URL, e: Encoded): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(new URL(e.kind, base), { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': e.body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ok: res.statusCode === 200, status: String(res.statusCode), rejected: res.statusCode === 200 ? rejectedPoints(Buffer.concat(chunks)) : 0 }));
      res.on('error', (err) => resolve({ ok: false, status: err.message, rejected: 0 }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', (err) => resolve({ ok: false, status: err.message, rejected: 0 }));
    req.end(e.body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Closed loop at saturation: requests and items accepted per second, after a warm-up. */
async function measureCapacity(agg: Aggregator, traffic: Traffic, seconds: number): Promise<SoakResult['capacity']> {
  const agent = new Agent({ keepAlive: true, maxSockets: CAPACITY_CONNECTIONS, scheduling: 'fifo' });
  let counting = false;
  let ok = 0;
  let items = 0;
  let failed = 0;
  const t0 = performance.now();
  const warmEnd = t0 + 3000;
  const end = warmEnd + seconds * 1000;
  const worker = async (): Promise<void> => {
    // Bounded by time and by count (at most 5,000 requests per second per connection).
    for (let i = 0; i < (seconds + 3) * 5000 && performance.now() < end; i++) {
      const e = traffic.next();
      const a = await post(agent, agg.otlpHttp, e);
      if (!counting) counting = performance.now() >= warmEnd;
      if (!counting) continue;
      if (a.ok) {
        ok++;
        items += e.items - a.rejected;
      } else failed++;
    }
  };
  await Promise.all(Array.from({ length: CAPACITY_CONNECTIONS }, worker));
  agent.destroy();
  const measured = (performance.now() - warmEnd) / 1000;
  return { requestsPerSecond: ok / measured, pointsPerSecond: items / measured, seconds: +measured.toFixed(1), connections: CAPACITY_CONNECTIONS, failed };
}

/** Runs the soak; the aggregator is started and stopped here. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const bounds = options.bounds ?? SOAK_BOUNDS;
  const intervalMs = options.sampleIntervalMs ?? 10_000;
  const warmupMs = options.warmupMs ?? Math.min(180_000, 0.3 * options.durationMs);
  const traffic = await Traffic.create(options.seed ?? 1);
  const agg = await startAggregator(options.heapLimitMiB ?? DEFAULT_HEAP_LIMIT_MIB);
  try {
    traffic.startRefreshing();
    log(`aggregator pid ${agg.pid} at ${agg.otlpHttp.origin}; measuring capacity for ${options.capacitySeconds ?? 15} s`);
    const capacity = await measureCapacity(agg, traffic, options.capacitySeconds ?? 15);
    const rate = (options.loadShare ?? 0.5) * capacity.requestsPerSecond;
    log(`capacity ${capacity.requestsPerSecond.toFixed(0)} requests/s, ${capacity.pointsPerSecond.toFixed(0)} points and records/s; soaking at ${rate.toFixed(0)} requests/s for ${options.durationMs / 1000} s`);
    // Let the aggregator drain what the saturation left queued (checkpoint, evaluation) before the clock starts.
    await sleep(2000);

    // FIFO: every connection is used in turn, so none sits idle until the server's
    // keep-alive timeout closes it just as a request is sent on it (ECONNRESET).
    const agent = new Agent({ keepAlive: true, maxSockets: MAX_OUTSTANDING, scheduling: 'fifo' });
    const latencies: number[] = [];
    const allLatencies: number[] = [];
    let okInInterval = 0;
    let failedInInterval = 0;
    let lateInInterval = 0;
    const totals = { ok: 0, failed: 0, late: 0, rejectedPoints: 0, items: 0 };
    const failures: Record<string, number> = {};
    let outstanding = 0;
    const start = performance.now();
    const end = start + options.durationMs;
    let sent = 0;
    // Open loop: request i is due at start + i / rate; its latency counts from then.
    const maxRequests = Math.ceil((rate * options.durationMs) / 1000);
    const launch = (due: number): void => {
      const e = traffic.next();
      if (performance.now() - due > LATE_MS) {
        lateInInterval++;
        totals.late++;
      }
      outstanding++;
      void post(agent, agg.otlpHttp, e).then((a) => {
        outstanding--;
        const ms = performance.now() - due;
        if (a.ok) {
          okInInterval++;
          totals.ok++;
          totals.rejectedPoints += a.rejected;
          totals.items += e.items - a.rejected;
          latencies.push(ms);
          allLatencies.push(ms);
        } else {
          failedInInterval++;
          totals.failed++;
          failures[a.status] = (failures[a.status] ?? 0) + 1;
        }
      });
    };
    const scheduler = setInterval(() => {
      const now = performance.now();
      while (sent < maxRequests && start + (sent * 1000) / rate <= Math.min(now, end)) {
        if (outstanding >= MAX_OUTSTANDING) break;
        launch(start + (sent * 1000) / rate);
        sent++;
      }
    }, TICK_MS);

    // RSS every second; a sample every interval.
    let rssReadings: number[] = [];
    agg.takeMemoryReports();
    const rssTimer = setInterval(() => {
      try {
        rssReadings.push(residentBytes(agg.pid));
      } catch {
        // the process is gone: the sample says so
      }
    }, 1000);
    const samples: SoakSample[] = [];
    let cpu0 = cpuMs(agg.pid);
    let t0 = performance.now();
    while (performance.now() < end - 1) {
      await sleep(Math.max(0, Math.min(t0 + intervalMs, end) - performance.now()));
      const now = performance.now();
      const cpu1 = cpuMs(agg.pid);
      const delay = await eventLoopDelay(agg.http).catch(() => ({ p99Ms: Number.NaN, maxMs: Number.NaN }));
      const sorted = latencies.splice(0).sort((a, b) => a - b);
      const memory = agg.takeMemoryReports();
      const live = memory.at(-1)?.liveAfterGc;
      const seconds = (now - t0) / 1000;
      const sample: SoakSample = {
        t: +((now - start) / 1000).toFixed(1),
        rssMeanBytes: rssReadings.length === 0 ? Number.NaN : Math.round(rssReadings.reduce((a, b) => a + b, 0) / rssReadings.length),
        rssMaxBytes: rssReadings.length === 0 ? Number.NaN : Math.max(...rssReadings),
        heapTotalMeanBytes: memory.length === 0 ? Number.NaN : Math.round(memory.reduce((a, m) => a + m.heapTotal, 0) / memory.length),
        liveHeapBytes: typeof live === 'number' ? live : Number.NaN,
        eventLoopDelayP99Ms: +delay.p99Ms.toFixed(2),
        eventLoopDelayMaxMs: +delay.maxMs.toFixed(2),
        latencyP50Ms: +quantile(sorted, 0.5).toFixed(2),
        latencyP99Ms: +quantile(sorted, 0.99).toFixed(2),
        requestsPerSecond: +(okInInterval / seconds).toFixed(1),
        failed: failedInInterval,
        late: lateInInterval,
        cpuShare: +((cpu1 - cpu0) / (now - t0)).toFixed(3),
      };
      samples.push(sample);
      log(`t=${String(sample.t).padStart(6)} s  rss ${fmt(sample.rssMeanBytes / MIB, 1).padStart(6)} MiB (V8 heap ${fmt(sample.heapTotalMeanBytes / MIB, 0).padStart(4)}, live ${fmt(sample.liveHeapBytes / MIB, 0).padStart(3)})  loop p99 ${fmt(sample.eventLoopDelayP99Ms, 1).padStart(6)} ms  latency p50 ${fmt(sample.latencyP50Ms, 1).padStart(6)} / p99 ${fmt(sample.latencyP99Ms, 1).padStart(7)} ms  ${fmt(sample.requestsPerSecond, 0).padStart(5)} req/s  cpu ${fmt(sample.cpuShare, 2)}${sample.failed + sample.late > 0 ? `  failed ${sample.failed} late ${sample.late}` : ''}`);
      rssReadings = [];
      okInInterval = 0;
      failedInInterval = 0;
      lateInInterval = 0;
      cpu0 = cpu1;
      t0 = now;
    }
    clearInterval(scheduler);
    clearInterval(rssTimer);
    // The last requests: bounded wait.
    for (let i = 0; i < 300 && outstanding > 0; i++) await sleep(100);
    agent.destroy();
    const elapsed = (performance.now() - start) / 1000;

    const measured = samples.filter((s) => s.t * 1000 > warmupMs);
    const trends = {
      rss: trend(measured, (s) => s.rssMeanBytes),
      heapTotal: trend(measured, (s) => s.heapTotalMeanBytes),
      liveHeap: trend(measured, (s) => s.liveHeapBytes),
      latencyP50: trend(measured, (s) => s.latencyP50Ms),
      latencyP99: trend(measured, (s) => s.latencyP99Ms),
      eventLoopDelayP99: trend(measured, (s) => s.eventLoopDelayP99Ms),
    };
    const verdicts = {
      rss: judgeRss(measured, trends.rss, bounds),
      latencyP50: judgeLatency(trends.latencyP50, bounds),
      latencyP99: judgeLatency(trends.latencyP99, bounds),
      eventLoopDelayP99: judgeLatency(trends.eventLoopDelayP99, bounds),
    };
    const all = allLatencies.sort((a, b) => a - b);
    return {
      capacity: { ...capacity, requestsPerSecond: +capacity.requestsPerSecond.toFixed(1), pointsPerSecond: Math.round(capacity.pointsPerSecond) },
      targetRequestsPerSecond: +rate.toFixed(1),
      achievedRequestsPerSecond: +(totals.ok / elapsed).toFixed(1),
      achievedPointsPerSecond: Math.round(totals.items / elapsed),
      durationSeconds: +elapsed.toFixed(1),
      warmupSeconds: warmupMs / 1000,
      samples,
      trends,
      verdicts,
      flat: Object.values(verdicts).every((v) => v.flat),
      requests: { ok: totals.ok, failed: totals.failed, late: totals.late, rejectedPoints: totals.rejectedPoints, failures },
      rss: {
        maxBytes: Math.max(...samples.map((s) => s.rssMaxBytes).filter(Number.isFinite)),
        firstMeasuredMeanBytes: measured[0]?.rssMeanBytes ?? Number.NaN,
        lastMeanBytes: samples.at(-1)?.rssMeanBytes ?? Number.NaN,
      },
      latency: { p50Ms: +quantile(all, 0.5).toFixed(2), p99Ms: +quantile(all, 0.99).toFixed(2), maxMs: +(all.at(-1) ?? Number.NaN).toFixed(2) },
      bounds,
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\naggregator stderr (end):\n${agg.stderr()}`, { cause: err });
  } finally {
    await traffic.close();
    await agg.stop();
  }
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10m' },
      'capacity-seconds': { type: 'string', default: '15' },
      'heap-limit': { type: 'string', default: String(DEFAULT_HEAP_LIMIT_MIB) },
      out: { type: 'string', default: join(ROOT, 'bench', 'results', 'soak.json') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench:soak -w @modelwatch/aggregator -- [--duration 10m] [--capacity-seconds 15] [--heap-limit 512 (MiB; 0: the default of Node)] [--out bench/results/soak.json]');
    return;
  }
  const durationMs = parseDuration(values.duration);
  const load0 = +(loadavg()[0] ?? 0).toFixed(2);
  const started = new Date();
  const heapLimitMiB = Number(values['heap-limit']);
  if (!Number.isInteger(heapLimitMiB) || heapLimitMiB < 0) throw new Error(`--heap-limit: expected a whole number of MiB (0: Node's default), got ${values['heap-limit']}`);
  const r = await runSoak({ durationMs, capacitySeconds: Number(values['capacity-seconds']), heapLimitMiB, log: (l) => console.log(l) });
  const result = {
    benchmark: 'modelwatch aggregator soak',
    capacityRequestsPerSecond: r.capacity.requestsPerSecond,
    capacityPointsPerSecond: r.capacity.pointsPerSecond,
    loadRequestsPerSecond: r.achievedRequestsPerSecond,
    loadPointsPerSecond: r.achievedPointsPerSecond,
    durationSeconds: r.durationSeconds,
    serverHeapLimitMiB: heapLimitMiB === 0 ? null : heapLimitMiB,
    soakRssSlopeBytesPerMinute: Math.round(r.trends.rss.slopePerMinute),
    soakLatencyP50SlopeMsPerMinute: +r.trends.latencyP50.slopePerMinute.toFixed(4),
    soakLatencyP99SlopeMsPerMinute: +r.trends.latencyP99.slopePerMinute.toFixed(4),
    soakEventLoopDelayP99SlopeMsPerMinute: +r.trends.eventLoopDelayP99.slopePerMinute.toFixed(4),
    soakMaxRssBytes: r.rss.maxBytes,
    soakHeapTotalSlopeBytesPerMinute: Math.round(r.trends.heapTotal.slopePerMinute),
    soakLiveHeapSlopeBytesPerMinute: Math.round(r.trends.liveHeap.slopePerMinute),
    latencyP50Ms: r.latency.p50Ms,
    latencyP99Ms: r.latency.p99Ms,
    flat: r.flat,
    verdicts: r.verdicts,
    trends: r.trends,
    requests: r.requests,
    rss: r.rss,
    capacity: r.capacity,
    targetRequestsPerSecond: r.targetRequestsPerSecond,
    warmupSeconds: r.warmupSeconds,
    bounds: r.bounds,
    setup: {
      models: MODELS,
      instancesPerModel: INSTANCES_PER_MODEL,
      featuresPerModel: FEATURES,
      requestMix: `2 batches of ${BATCH} instances' metric exports (${BATCH} x 17 points) : 1 log export (20 predictions + 20 ground truths)`,
      sampleIntervalSeconds: 10,
      config: SOAK_CONFIG,
      aggregator: 'modelwatch serve from the sources (tsx), OTLP/HTTP protobuf over loopback',
      commit: commit(),
    },
    samples: r.samples,
    node: process.version,
    machine: { cpus: availableParallelism(), loadAverage1mAtStart: load0, loadAverage1mAtEnd: +(loadavg()[0] ?? 0).toFixed(2) },
    date: started.toISOString(),
  };
  console.log('');
  const rows: Array<[string, string]> = [
    ['capacity (requests/s)', fmt(r.capacity.requestsPerSecond, 0)],
    ['capacity (points + records/s)', fmt(r.capacity.pointsPerSecond, 0)],
    ['load (requests/s, 50%)', fmt(r.achievedRequestsPerSecond, 0)],
    ['duration (s)', fmt(r.durationSeconds, 0)],
    ['RSS max (MiB)', fmt(r.rss.maxBytes / MIB, 1)],
    ['RSS slope (MiB/min)', fmt(r.trends.rss.slopePerMinute / MIB, 3)],
    ['V8 heap slope (MiB/min)', fmt(r.trends.heapTotal.slopePerMinute / MIB, 3)],
    ['live heap slope (MiB/min)', fmt(r.trends.liveHeap.slopePerMinute / MIB, 3)],
    ['latency p50 / p99 (ms)', `${fmt(r.latency.p50Ms)} / ${fmt(r.latency.p99Ms)}`],
    ['latency p50 slope (ms/min)', fmt(r.trends.latencyP50.slopePerMinute, 3)],
    ['latency p99 slope (ms/min)', fmt(r.trends.latencyP99.slopePerMinute, 3)],
    ['event-loop p99 slope (ms/min)', fmt(r.trends.eventLoopDelayP99.slopePerMinute, 3)],
    ['failed / late requests', `${r.requests.failed} / ${r.requests.late}`],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(32)} ${v.padStart(12)}`);
  for (const [k, v] of Object.entries(r.verdicts)) console.log(`${k.padEnd(18)} ${v.flat ? 'flat    ' : 'NOT FLAT'}  ${v.rule}`);
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
  if (!r.flat) process.exitCode = 1;
}

if (process.argv[1] === SELF) await main();
