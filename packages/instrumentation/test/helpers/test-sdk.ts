/**
 * A real OpenTelemetry SDK wired to in-memory sinks, for asserting exact data
 * points and log records. SDK packages are devDependencies of this package only.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  InstrumentType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** A pull reader: `collect()` on demand, nothing periodic. */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface TestSdk {
  meterProvider: MeterProvider;
  loggerProvider: LoggerProvider;
  /** Collects and returns every metric, flattened across scopes. */
  collect(): Promise<MetricData[]>;
  /** One metric by name (throws when absent, so a missing signal fails loudly). */
  metric(name: string): Promise<MetricData>;
  /** Log records emitted so far. */
  logs(): ReadableLogRecord[];
  shutdown(): Promise<void>;
}

export interface TestSdkOptions {
  temporality?: 'cumulative' | 'delta';
  /** Install the exponential view for feature and regression values (as @modelwatch/node does). @default true */
  exponential?: boolean;
}

export function createTestSdk(options: TestSdkOptions = {}): TestSdk {
  const delta = options.temporality === 'delta';
  const reader = new TestReader({
    aggregationTemporalitySelector: (type) =>
      delta && type !== InstrumentType.UP_DOWN_COUNTER && type !== InstrumentType.OBSERVABLE_UP_DOWN_COUNTER
        ? AggregationTemporality.DELTA
        : AggregationTemporality.CUMULATIVE,
  });
  const views = options.exponential === false
    ? []
    : ['ml.feature.value', 'ml.prediction.value'].map((instrumentName) => ({
        instrumentName,
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM as const, options: { maxSize: 160 } },
      }));
  const meterProvider = new MeterProvider({ readers: [reader], views });
  const exporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  const collect = async (): Promise<MetricData[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'collection errors');
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  };
  return {
    meterProvider,
    loggerProvider,
    collect,
    async metric(name) {
      const found = (await collect()).find((m) => m.descriptor.name === name);
      if (found === undefined) throw new Error(`metric ${name} was not exported`);
      return found;
    },
    logs: () => exporter.getFinishedLogRecords(),
    async shutdown() {
      await meterProvider.shutdown();
      await loggerProvider.shutdown();
    },
  };
}

/** Data points of a metric as [attributes, value] pairs, sorted by attributes for stable comparison. */
export function points<T>(metric: MetricData): { attributes: Record<string, unknown>; value: T }[] {
  return (metric.dataPoints as DataPoint<T>[])
    .map((p) => ({ attributes: { ...p.attributes }, value: p.value }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

/** The single data point whose attributes equal `attributes` exactly. */
export function pointWith<T>(metric: MetricData, attributes: Record<string, unknown>): T {
  const key = JSON.stringify(Object.entries(attributes).sort());
  const found = (metric.dataPoints as DataPoint<T>[]).filter((p) => JSON.stringify(Object.entries(p.attributes).sort()) === key);
  if (found.length !== 1) {
    throw new Error(`${metric.descriptor.name}: expected one point with ${key}, found ${found.length} among ${JSON.stringify(metric.dataPoints.map((p) => p.attributes))}`);
  }
  return (found[0] as DataPoint<T>).value;
}

export function histogramPoint(metric: MetricData, attributes: Record<string, unknown>): Histogram {
  if (metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${metric.descriptor.name} is not an explicit-bucket histogram`);
  return pointWith<Histogram>(metric, attributes);
}

export function exponentialPoint(metric: MetricData, attributes: Record<string, unknown>): ExponentialHistogram {
  if (metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) throw new Error(`${metric.descriptor.name} is not an exponential histogram`);
  return pointWith<ExponentialHistogram>(metric, attributes);
}

/** Captures `diag` messages for the duration of a test. */
export function captureDiag(): { messages: { level: string; text: string }[]; restore: () => void } {
  const messages: { level: string; text: string }[] = [];
  const at = (level: string) => (text: string) => { messages.push({ level, text }); };
  const logger: DiagLogger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), verbose: at('verbose') };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

/** mulberry32: a small seeded PRNG so sampling tests are deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A manual clock in milliseconds. */
export function manualClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}
